//! Config loading and validation: layering, secrets, and errors naming keys.

use super::*;

const GOOD: &str = r#"
[database]
url = "sqlite://test.db"

[sources.ma]
kind = "modelarts-training-jobs"
endpoint = "https://modelarts.cn-north-4.myhuaweicloud.com"
project_id = "0123456789abcdef"
access_key = "AK"
secret_key = "SK-very-secret"
schedule = "0 */2 * * * *"
full_every = "6h"
page_size = 5000

[webhooks.ops]
url = "https://hooks.example.com/jobs"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
states = ["failed"]
"#;

fn problems(text: &str) -> Vec<String> {
    Config::from_toml(text).unwrap_err().problems()
}

#[test]
fn loads_defaults_clamps_and_redacts() {
    let c = Config::from_toml(GOOD).unwrap();
    let s = &c.sources["ma"];
    assert_eq!(s.page_size, 1000, "clamped to the provider maximum");
    assert!(c
        .warnings
        .iter()
        .any(|w| w.contains("sources.ma.page_size")));
    assert_eq!(s.full_every, Duration::from_secs(6 * 3600));
    assert_eq!(c.http.listen.to_string(), "127.0.0.1:9187");
    assert_eq!(c.delivery.retry_schedule.len(), 8);
    let total: Duration = c.delivery.retry_schedule.iter().sum();
    assert!(total > Duration::from_secs(24 * 3600));
    let shown = c.redacted_toml();
    assert!(!shown.contains("SK-very-secret"), "{shown}");
    assert!(!shown.contains("MfKQ9r8"), "{shown}");
    assert!(shown.contains("[redacted]"));
    assert!(!format!("{c:?}").contains("SK-very-secret"));
}

#[test]
fn unknown_kind_lists_the_valid_ones() {
    let p = problems("[sources.x]\nkind = \"nope\"\n");
    assert_eq!(p.len(), 1);
    assert!(
        p[0].starts_with("sources.x.kind: unknown kind \"nope\""),
        "{p:?}"
    );
    assert!(p[0].contains("modelarts-training-jobs") && p[0].contains("swr-instance-jobs"));
}

#[test]
fn bad_cron_names_the_source() {
    let text = GOOD.replace("0 */2 * * * *", "every tuesday");
    let p = problems(&text);
    assert!(
        p.iter()
            .any(|p| p.starts_with("sources.ma.schedule: \"every tuesday\"")),
        "{p:?}"
    );
}

#[test]
fn missing_credentials_are_named() {
    let text = GOOD.replace("secret_key = \"SK-very-secret\"\n", "");
    let p = problems(&text);
    assert!(
        p.iter()
            .any(|p| p.starts_with("sources.ma.secret_key: is missing")),
        "{p:?}"
    );
    let text = GOOD
        .replace("access_key = \"AK\"\n", "")
        .replace("secret_key = \"SK-very-secret\"\n", "");
    let p = problems(&text);
    assert!(
        p.iter()
            .any(|p| p.starts_with("sources.ma.access_key: no credentials")),
        "{p:?}"
    );
    let text = GOOD.replace("project_id = \"0123456789abcdef\"\n", "");
    assert!(problems(&text)
        .iter()
        .any(|p| p.starts_with("sources.ma.project_id: is missing")));
}

#[test]
fn unknown_keys_and_bad_values_are_named() {
    let text = GOOD.replace("page_size = 5000", "page_sise = 5");
    let p = problems(&text);
    assert!(
        p.iter()
            .any(|p| p.starts_with("sources.ma") && p.contains("page_sise")),
        "{p:?}"
    );
    let text = GOOD.replace("full_every = \"6h\"", "full_every = \"often\"");
    assert!(problems(&text)
        .iter()
        .any(|p| p.starts_with("sources.ma.full_every: \"often\"")));
    let text = GOOD.replace("states = [\"failed\"]", "states = [\"broken\"]");
    assert!(problems(&text)
        .iter()
        .any(|p| p.starts_with("webhooks.ops.states")));
    let text = GOOD.replace("https://hooks.example.com/jobs", "ftp://x/y");
    assert!(problems(&text)
        .iter()
        .any(|p| p.starts_with("webhooks.ops.url")));
}

#[test]
fn environment_overrides_and_keeps_string_values_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, GOOD).unwrap();
    let vars = vec![
        (
            "JOBMIRROR_SOURCES__MA__PROJECT_ID".to_string(),
            "0123".to_string(),
        ),
        (
            "JOBMIRROR_SOURCES__MA__PAGE_SIZE".to_string(),
            "250".to_string(),
        ),
        ("JOBMIRROR_CONFIG".to_string(), path.display().to_string()),
        ("OTHER".to_string(), "x".to_string()),
    ];
    let c = Config::load_with_env(&path, true, &vars).unwrap();
    assert_eq!(c.sources["ma"].project_id.as_deref(), Some("0123"));
    assert_eq!(c.sources["ma"].page_size, 250);
}

#[test]
fn secrets_can_come_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let sk = dir.path().join("sk");
    std::fs::write(&sk, "from-file\n").unwrap();
    let text = GOOD.replace(
        "secret_key = \"SK-very-secret\"",
        &format!("secret_key_file = {:?}", sk.display().to_string()),
    );
    let c = Config::from_toml(&text).unwrap();
    match &c.sources["ma"].auth {
        Auth::HuaweiAkSk { secret_key, .. } => assert_eq!(secret_key.expose(), "from-file"),
        other => panic!("{other:?}"),
    }
    let both = GOOD.replace(
        "secret_key = \"SK-very-secret\"",
        &format!(
            "secret_key = \"x\"\nsecret_key_file = {:?}",
            sk.display().to_string()
        ),
    );
    assert!(problems(&both)
        .iter()
        .any(|p| p.starts_with("sources.ma.secret_key")));
    let missing = GOOD.replace(
        "secret_key = \"SK-very-secret\"",
        "secret_key_file = \"/nonexistent/sk\"",
    );
    assert!(problems(&missing)
        .iter()
        .any(|p| p.starts_with("sources.ma.secret_key_file: cannot read")));
}

#[test]
fn missing_explicit_file_is_an_error() {
    let e = Config::load_with_env(Path::new("/nonexistent/jm.toml"), true, &[]).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/jm.toml"));
}

#[test]
fn pai_history_start_is_validated_and_normalized() {
    let pai = |extra: &str| {
        format!(
            "[sources.pai]\nkind = \"pai-dlc-jobs\"\nregion = \"cn-hangzhou\"\naccess_key = \"AK\"\nsecret_key = \"SK\"\nworkspace_id = \"268\"\n{extra}"
        )
    };
    let c = Config::from_toml(&pai("")).unwrap();
    let s = &c.sources["pai"];
    assert_eq!(s.endpoint, "https://pai-dlc.cn-hangzhou.aliyuncs.com");
    assert_eq!(s.page_size, 100);
    assert_eq!(s.history_start, None);
    let c = Config::from_toml(&pai("history_start = \"2020-06-01T08:00:00+08:00\"")).unwrap();
    assert_eq!(
        c.sources["pai"].history_start.as_deref(),
        Some("2020-06-01T00:00:00Z")
    );
    let p = problems(&pai("history_start = \"last year\""));
    assert!(p[0].starts_with("sources.pai.history_start: "), "{p:?}");
    let p = problems(&GOOD.replace(
        "page_size = 5000",
        "history_start = \"2020-01-01T00:00:00Z\"",
    ));
    assert!(
        p.iter()
            .any(|m| m.starts_with("sources.ma.history_start: is not used")),
        "{p:?}"
    );
}

#[test]
fn database_url_picks_the_backend_and_keeps_the_password_out_of_it() {
    let pg = "[database]\nurl = \"postgres://jobmirror@db.example:5432/mirror\"\npassword = \"pg-very-secret\"\n";
    let c = Config::from_toml(pg).unwrap();
    assert_eq!(
        c.database.url,
        "postgres://jobmirror@db.example:5432/mirror"
    );
    assert_eq!(
        c.database.password.as_ref().unwrap().expose(),
        "pg-very-secret"
    );
    let shown = c.redacted_toml();
    assert!(!shown.contains("pg-very-secret"), "{shown}");
    assert!(!format!("{c:?}").contains("pg-very-secret"));

    let p = problems("[database]\nurl = \"postgres://jm:hunter2@db.example/mirror\"\n");
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("database.url: holds a password"), "{p:?}");
    assert!(!p[0].contains("hunter2"), "{p:?}");

    let p = problems("[database]\nurl = \"mysql://u:hunter2@h/db\"\n");
    assert!(p[0].starts_with("database.url: "), "{p:?}");
    assert!(
        p[0].contains("sqlite://") && p[0].contains("postgres://"),
        "{p:?}"
    );
    assert!(!p[0].contains("hunter2"), "{p:?}");

    let p = problems("[database]\nurl = \"sqlite://x.db\"\npassword = \"pw\"\n");
    assert_eq!(
        p,
        vec!["database.password: SQLite databases take no password"]
    );
}

#[test]
fn lease_period_defaults_to_30s_and_is_validated_naming_the_key() {
    let c = Config::from_toml(GOOD).unwrap();
    assert_eq!(c.database.lease_period, Duration::from_secs(30));
    assert!(c.redacted_toml().contains("lease_period = \"30s\""));

    let c = Config::from_toml("[database]\nlease_period = \"2500ms\"\n").unwrap();
    assert_eq!(c.database.lease_period, Duration::from_millis(2500));

    for (value, problem) in [
        ("\"soon\"", "is not a duration"),
        ("\"0s\"", "must be at least 1s"),
        ("\"500ms\"", "must be at least 1s"),
        ("\"2h\"", "must be at most 1h"),
        ("30", "invalid type"),
    ] {
        let p = problems(&format!("[database]\nlease_period = {value}\n"));
        assert_eq!(p.len(), 1, "{value}: {p:?}");
        assert!(
            p[0].starts_with("database.lease_period: ") && p[0].contains(problem),
            "{value}: {p:?}"
        );
    }

    // From the environment, a bare number is still read as text (and refused).
    let vars = [(
        "JOBMIRROR_DATABASE__LEASE_PERIOD".to_string(),
        "10s".to_string(),
    )];
    let c = Config::load_with_env(Path::new("/nonexistent/jobmirror.toml"), false, &vars).unwrap();
    assert_eq!(c.database.lease_period, Duration::from_secs(10));
    let vars = [(
        "JOBMIRROR_DATABASE__LEASE_PERIOD".to_string(),
        "10".to_string(),
    )];
    let e = Config::load_with_env(Path::new("/nonexistent/jobmirror.toml"), false, &vars)
        .unwrap_err()
        .problems();
    assert!(e[0].starts_with("database.lease_period: \"10\""), "{e:?}");
}
