//! Just enough of the gRPC and protobuf wire formats to read a request
//! message, police message sizes and find a resource id, without decoding
//! whole messages.

use prost::encoding::decode_varint;

/// Length of the gRPC message prefix: compression flag + big-endian length.
pub(crate) const FRAME_HEADER_LEN: usize = 5;

/// A parsed gRPC message prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameHeader {
    pub(crate) compressed: bool,
    pub(crate) len: usize,
}

impl FrameHeader {
    pub(crate) fn parse(bytes: [u8; FRAME_HEADER_LEN]) -> Self {
        let [flag, a, b, c, d] = bytes;
        Self {
            compressed: flag != 0,
            len: u32::from_be_bytes([a, b, c, d]) as usize,
        }
    }
}

/// Walks the gRPC messages of a body chunk by chunk and reports every
/// message length, so an oversized message is caught before it is passed on.
#[derive(Debug, Default)]
pub(crate) struct FrameScanner {
    /// Bytes of the current message still to skip.
    remaining: usize,
    header: [u8; FRAME_HEADER_LEN],
    header_filled: usize,
}

impl FrameScanner {
    /// Feeds one chunk; returns the first message header whose length
    /// exceeds `limit`, if any.
    pub(crate) fn scan(&mut self, mut chunk: &[u8], limit: usize) -> Option<FrameHeader> {
        while !chunk.is_empty() {
            if self.remaining > 0 {
                let skip = self.remaining.min(chunk.len());
                self.remaining -= skip;
                chunk = &chunk[skip..];
                continue;
            }
            let take = (FRAME_HEADER_LEN - self.header_filled).min(chunk.len());
            self.header[self.header_filled..self.header_filled + take]
                .copy_from_slice(&chunk[..take]);
            self.header_filled += take;
            chunk = &chunk[take..];
            if self.header_filled == FRAME_HEADER_LEN {
                self.header_filled = 0;
                let header = FrameHeader::parse(self.header);
                if header.len > limit {
                    return Some(header);
                }
                self.remaining = header.len;
            }
        }
        None
    }
}

/// The last non-empty string at `path` (field numbers, outermost first) in
/// an encoded protobuf message; `None` when absent or malformed.
pub(crate) fn find_string(mut message: &[u8], path: &[u32]) -> Option<String> {
    let (&field, rest) = path.split_first()?;
    let mut found = None;
    while !message.is_empty() {
        let key = decode_varint(&mut message).ok()?;
        let number = u32::try_from(key >> 3).ok()?;
        match key & 0x7 {
            0 => {
                decode_varint(&mut message).ok()?;
            }
            1 => message = message.get(8..)?,
            5 => message = message.get(4..)?,
            2 => {
                let len = usize::try_from(decode_varint(&mut message).ok()?).ok()?;
                let value = message.get(..len)?;
                message = &message[len..];
                if number == field {
                    let candidate = if rest.is_empty() {
                        std::str::from_utf8(value).ok().map(str::to_owned)
                    } else {
                        find_string(value, rest)
                    };
                    if let Some(id) = candidate.filter(|id| !id.is_empty()) {
                        found = Some(id);
                    }
                }
            }
            // Groups are not used by proto3 messages.
            _ => return None,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(len: u32) -> Vec<u8> {
        let mut bytes = vec![0];
        bytes.extend_from_slice(&len.to_be_bytes());
        bytes.extend(std::iter::repeat_n(7, len as usize));
        bytes
    }

    #[test]
    fn scanner_finds_oversized_messages_across_chunk_boundaries() {
        let mut body = frame(3);
        body.extend(frame(20));
        for split in 0..body.len() {
            let mut scanner = FrameScanner::default();
            let first = scanner.scan(&body[..split], 10);
            let second = scanner.scan(&body[split..], 10);
            assert_eq!(
                first.or(second).map(|h| h.len),
                Some(20),
                "split at {split}"
            );
        }
        let mut scanner = FrameScanner::default();
        assert_eq!(scanner.scan(&body, 20), None);
    }

    #[test]
    fn finds_nested_strings_and_skips_other_fields() {
        // field 2 varint 150, field 1 { field 5 fixed32, field 3 "ab" }, field 4 fixed64
        let message = [
            0x10, 0x96, 0x01, 0x0a, 0x09, 0x2d, 1, 2, 3, 4, 0x1a, 0x02, b'a', b'b', 0x21, 0, 0, 0,
            0, 0, 0, 0, 0,
        ];
        assert_eq!(find_string(&message, &[1, 3]).as_deref(), Some("ab"));
        assert_eq!(find_string(&message, &[1, 4]), None);
        assert_eq!(find_string(&message[..8], &[1, 3]), None, "truncated");
    }
}
