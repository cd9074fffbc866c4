//! Skill over the network against the real binary: push (with the ZIP
//! rules), versions by tag and hash, artifacts, delete with artifact
//! garbage collection, and our fixes of upstream bugs (created_at kept on
//! re-push, no path traversal through artifact keys).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Cursor, Write};
use std::path::Path;

use sha2::{Digest, Sha256};
use stigmer_api::Resource;
use stigmer_api::agentic::skill::v1::skill_command_controller_client::SkillCommandControllerClient;
use stigmer_api::agentic::skill::v1::skill_query_controller_client::SkillQueryControllerClient;
use stigmer_api::agentic::skill::v1::{GetArtifactRequest, PushSkillRequest, Skill, SkillId};
use stigmer_api::commons::apiresource::ApiResourceReference;
use tonic::Code;
use tonic::transport::Channel;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const ORG_SCOPE: i32 = 2;

fn zip_with(entries: &[(&str, &[u8])], method: CompressionMethod) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(method);
    for (name, content) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(content).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn skill_zip(skill_md: &str) -> Vec<u8> {
    zip_with(
        &[
            ("SKILL.md", skill_md.as_bytes()),
            ("scripts/run.sh", b"echo hi"),
        ],
        CompressionMethod::Deflated,
    )
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn push_request(name: &str, artifact: Vec<u8>, tag: &str) -> PushSkillRequest {
    PushSkillRequest {
        name: name.into(),
        scope: ORG_SCOPE,
        org: "local".into(),
        artifact,
        tag: tag.into(),
    }
}

fn reference(slug: &str, version: &str) -> ApiResourceReference {
    ApiResourceReference {
        org: "local".into(),
        slug: slug.into(),
        version: version.into(),
        ..Default::default()
    }
}

fn status_of(skill: &Skill) -> &stigmer_api::agentic::skill::v1::SkillStatus {
    skill.status.as_ref().unwrap()
}

fn skill_md(skill: &Skill) -> &str {
    &skill.spec.as_ref().unwrap().skill_md
}

fn artifact_files(data_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data_dir.join("storage/skills"))
        .map(|dir| {
            dir.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

struct Clients {
    commands: SkillCommandControllerClient<Channel>,
    queries: SkillQueryControllerClient<Channel>,
}

impl Clients {
    async fn of(server: &common::Server) -> Clients {
        let channel = server.channel().await;
        Clients {
            commands: SkillCommandControllerClient::new(channel.clone()),
            queries: SkillQueryControllerClient::new(channel),
        }
    }

    async fn push(&mut self, request: PushSkillRequest) -> Result<Skill, tonic::Status> {
        self.commands.push(request).await.map(|r| r.into_inner())
    }

    async fn by_ref(&mut self, slug: &str, version: &str) -> Result<Skill, tonic::Status> {
        self.queries
            .get_by_reference(reference(slug, version))
            .await
            .map(|r| r.into_inner())
    }

    async fn artifact(&mut self, key: &str) -> Result<Vec<u8>, tonic::Status> {
        self.queries
            .get_artifact(GetArtifactRequest {
                artifact_storage_key: key.into(),
            })
            .await
            .map(|r| r.into_inner().artifact)
    }
}

#[tokio::test]
async fn push_versions_and_resolve_them_by_latest_tag_and_hash() {
    let server = common::Server::start().await;
    let mut clients = Clients::of(&server).await;

    let v1_zip = skill_zip("# Calculator\nAdds numbers.\n");
    let v1 = clients
        .push(push_request("My Calculator", v1_zip.clone(), "v1"))
        .await
        .unwrap();
    assert!(v1.id().starts_with("skl-"), "{v1:?}");
    assert_eq!(v1.slug(), "my-calculator");
    assert_eq!(v1.kind, "Skill");
    assert_eq!(skill_md(&v1), "# Calculator\nAdds numbers.\n");
    let v1_hash = sha256_hex(&v1_zip);
    assert_eq!(status_of(&v1).version_hash, v1_hash);
    assert_eq!(
        status_of(&v1).artifact_storage_key,
        format!("skills/{v1_hash}.zip")
    );
    assert_eq!(status_of(&v1).state, 2, "READY");
    let created_at = status_of(&v1)
        .audit
        .as_ref()
        .unwrap()
        .spec_audit
        .as_ref()
        .unwrap()
        .created_at;
    assert!(created_at.is_some());

    // Same name, same content: the same skill, the same file.
    let again = clients
        .push(push_request("My Calculator", v1_zip.clone(), "v1"))
        .await
        .unwrap();
    assert_eq!(again.id(), v1.id());
    assert_eq!(status_of(&again).version_hash, v1_hash);
    assert_eq!(
        artifact_files(&server.data_dir),
        vec![format!("{v1_hash}.zip")]
    );
    // Regression: upstream overwrote created_at on every re-push.
    let audit = status_of(&again).audit.as_ref().unwrap();
    let spec_audit = audit.spec_audit.as_ref().unwrap();
    assert_eq!(spec_audit.created_at, created_at, "created_at is kept");
    assert_eq!(spec_audit.event, "updated");
    let updated_at = spec_audit.updated_at.unwrap();
    let created = created_at.unwrap();
    assert!(
        (updated_at.seconds, updated_at.nanos) > (created.seconds, created.nanos),
        "updated_at moves on"
    );

    // New content with another tag: a new version of the same skill.
    let v2_zip = skill_zip("# Calculator\nAdds and multiplies.\n");
    let v2_hash = sha256_hex(&v2_zip);
    let v2 = clients
        .push(push_request("My Calculator", v2_zip.clone(), "stable"))
        .await
        .unwrap();
    assert_eq!(v2.id(), v1.id());
    assert_eq!(status_of(&v2).version_hash, v2_hash);
    assert_eq!(artifact_files(&server.data_dir).len(), 2);

    for version in ["", "latest", "stable", v2_hash.as_str()] {
        let got = clients.by_ref("my-calculator", version).await.unwrap();
        assert_eq!(status_of(&got).version_hash, v2_hash, "version {version:?}");
    }
    for version in ["v1", v1_hash.as_str()] {
        let got = clients.by_ref("my-calculator", version).await.unwrap();
        assert_eq!(status_of(&got).version_hash, v1_hash, "version {version:?}");
        assert_eq!(skill_md(&got), "# Calculator\nAdds numbers.\n");
    }
    let missing = clients.by_ref("my-calculator", "nope").await.unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    assert_eq!(
        missing.message(),
        "skill version not found: my-calculator:nope"
    );
    let unknown_hash = "0".repeat(64);
    assert_eq!(
        clients
            .by_ref("my-calculator", &unknown_hash)
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    assert_eq!(
        clients
            .by_ref("no-such-skill", "")
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );

    let got = clients
        .queries
        .get(SkillId {
            value: v1.id().into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status_of(&got).version_hash, v2_hash);

    // Slugs are per org: the same name in another org is another skill.
    let other = clients
        .push(PushSkillRequest {
            org: "other".into(),
            ..push_request("My Calculator", v1_zip.clone(), "")
        })
        .await
        .unwrap();
    assert_ne!(other.id(), v1.id());
    assert_eq!(
        status_of(&other).artifact_storage_key,
        status_of(&v1).artifact_storage_key
    );
}

#[tokio::test]
async fn concurrent_pushes_of_one_new_name_make_one_skill() {
    let server = common::Server::start().await;
    let clients = Clients::of(&server).await;
    let pushes = (0..8).map(|i| {
        let mut commands = clients.commands.clone();
        let request = push_request("Racy Skill", skill_zip(&format!("# Version {i}\n")), "");
        tokio::spawn(async move { commands.push(request).await.map(|r| r.into_inner()) })
    });
    let mut ids = std::collections::BTreeSet::new();
    for push in pushes.collect::<Vec<_>>() {
        let skill = push.await.unwrap().expect("every push succeeds");
        ids.insert(skill.id().to_owned());
    }
    assert_eq!(ids.len(), 1, "one skill: {ids:?}");
    assert_eq!(
        artifact_files(&server.data_dir).len(),
        8,
        "every version kept"
    );
}

#[tokio::test]
async fn artifacts_round_trip_and_keys_cannot_escape_the_storage_dir() {
    let server = common::Server::start().await;
    let mut clients = Clients::of(&server).await;
    let zip = skill_zip("# Search\n");
    let skill = clients
        .push(push_request("Web Search", zip.clone(), ""))
        .await
        .unwrap();
    let key = status_of(&skill).artifact_storage_key.clone();
    assert_eq!(clients.artifact(&key).await.unwrap(), zip);

    // Regression: upstream joined the key to the storage root unchecked.
    std::fs::write(server.data_dir.join("secret.zip"), b"secret").unwrap();
    let hash = &status_of(&skill).version_hash;
    for key in [
        "../stigmer.db",
        "../secret.zip",
        "skills/../../secret.zip",
        "/etc/passwd",
        &format!("skills/{hash}.zip/../../../secret.zip"),
        &format!("skills/../skills/{hash}.zip"),
        &format!("{hash}.zip"),
    ] {
        let error = clients.artifact(key).await.unwrap_err();
        assert_eq!(error.code(), Code::InvalidArgument, "{key:?}: {error:?}");
    }
    let unknown = format!("skills/{}.zip", "a".repeat(64));
    let error = clients.artifact(&unknown).await.unwrap_err();
    assert_eq!(error.code(), Code::NotFound);
    assert_eq!(
        error.message(),
        format!("skill artifact not found: {unknown}")
    );
    assert_eq!(
        clients.artifact("").await.unwrap_err().code(),
        Code::InvalidArgument
    );
}

#[tokio::test]
async fn delete_removes_versions_and_only_unreferenced_artifacts() {
    let server = common::Server::start().await;
    let mut clients = Clients::of(&server).await;
    let shared_zip = skill_zip("# Shared\n");
    let own_zip = skill_zip("# Only mine\n");
    let (shared, own) = (sha256_hex(&shared_zip), sha256_hex(&own_zip));

    let doomed = clients
        .push(push_request("Doomed", shared_zip.clone(), "v1"))
        .await
        .unwrap();
    clients
        .push(push_request("Doomed", own_zip.clone(), "v2"))
        .await
        .unwrap();
    // Another skill's archived (not current) version uses the shared file.
    let keeper = clients
        .push(push_request("Keeper", shared_zip.clone(), "old"))
        .await
        .unwrap();
    clients
        .push(push_request("Keeper", skill_zip("# Keeper now\n"), "new"))
        .await
        .unwrap();
    assert_eq!(artifact_files(&server.data_dir).len(), 3);

    let deleted = clients
        .commands
        .delete(SkillId {
            value: doomed.id().into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deleted.id(), doomed.id());
    assert_eq!(status_of(&deleted).version_hash, own);

    let files = artifact_files(&server.data_dir);
    assert!(
        files.contains(&format!("{shared}.zip")),
        "still referenced by Keeper: {files:?}"
    );
    assert!(
        !files.contains(&format!("{own}.zip")),
        "collected: {files:?}"
    );
    assert_eq!(
        clients
            .artifact(&format!("skills/{own}.zip"))
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    assert_eq!(
        clients
            .queries
            .get(SkillId {
                value: doomed.id().into()
            })
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    assert_eq!(
        clients.by_ref("doomed", &shared).await.unwrap_err().code(),
        Code::NotFound
    );
    let old = clients.by_ref("keeper", "old").await.unwrap();
    assert_eq!(
        clients
            .artifact(&status_of(&old).artifact_storage_key)
            .await
            .unwrap(),
        shared_zip
    );

    // Deleting the last user of every file leaves the directory empty.
    clients
        .commands
        .delete(SkillId {
            value: keeper.id().into(),
        })
        .await
        .unwrap();
    assert_eq!(artifact_files(&server.data_dir), Vec::<String>::new());
    assert_eq!(
        clients
            .commands
            .delete(SkillId {
                value: keeper.id().into()
            })
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
}

#[tokio::test]
async fn every_zip_rule_is_an_invalid_argument_naming_the_rule() {
    let server = common::Server::start().await;
    let mut clients = Clients::of(&server).await;
    let stored = CompressionMethod::Stored;
    let many: Vec<(String, Vec<u8>)> = (0..10_001).map(|i| (format!("f{i}"), Vec::new())).collect();
    let many: Vec<(&str, &[u8])> = many
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .collect();
    let big_skill_md = vec![b'a'; 1024 * 1024 + 1];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not a zip", b"plain text".to_vec(), "invalid ZIP file"),
        ("empty", zip_with(&[], stored), "ZIP file is empty"),
        (
            "too many files",
            zip_with(&many, stored),
            "too many files in ZIP",
        ),
        (
            "control character",
            zip_with(&[("SKILL.md", b"x"), ("a\u{1}b", b"x")], stored),
            "invalid character in filename",
        ),
        (
            "compression bomb",
            zip_with(
                &[("SKILL.md", b"x"), ("zeros", &vec![0u8; 2 << 20])],
                CompressionMethod::Deflated,
            ),
            "suspicious compression ratio in zeros",
        ),
        (
            "no SKILL.md",
            zip_with(&[("README.md", b"x")], stored),
            "SKILL.md not found in ZIP archive",
        ),
        (
            "SKILL.md not at the root",
            zip_with(&[("sub/SKILL.md", b"x")], stored),
            "SKILL.md not found in ZIP archive",
        ),
        (
            "empty SKILL.md",
            zip_with(&[("SKILL.md", b"")], stored),
            "SKILL.md is empty",
        ),
        (
            "SKILL.md over 1 MiB",
            zip_with(&[("SKILL.md", &big_skill_md)], stored),
            "SKILL.md too large",
        ),
        (
            "path traversal",
            zip_with(&[("SKILL.md", b"x"), ("../escape", b"x")], stored),
            "unsafe path in ZIP",
        ),
    ];
    for (case, artifact, expected) in cases {
        let error = clients
            .push(push_request("Rule Check", artifact, ""))
            .await
            .unwrap_err();
        assert_eq!(error.code(), Code::InvalidArgument, "{case}: {error:?}");
        assert!(
            error
                .message()
                .starts_with(&format!("failed to extract SKILL.md: {expected}")),
            "{case}: {}",
            error.message()
        );
    }

    let good = skill_zip("# Fine\n");
    let error = clients
        .push(push_request("!!!", good.clone(), ""))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::InvalidArgument);
    assert_eq!(error.message(), "invalid skill name: !!!");
    // The Skill rule allows only platform or organization scope.
    for scope in [0, 3] {
        let error = clients
            .push(PushSkillRequest {
                scope,
                ..push_request("Scoped", good.clone(), "")
            })
            .await
            .unwrap_err();
        assert_eq!(error.code(), Code::InvalidArgument, "scope {scope}");
        assert!(
            error.message().contains("platform or organization"),
            "{}",
            error.message()
        );
    }
    assert_eq!(
        clients
            .push(push_request("Bad Tag", good.clone(), "no spaces"))
            .await
            .unwrap_err()
            .code(),
        Code::InvalidArgument
    );
    assert_eq!(
        artifact_files(&server.data_dir),
        Vec::<String>::new(),
        "nothing stored"
    );
}
