use super::*;
use crate::sim::clock::Clock;
use crate::sim::pai_dlc::world::{NewJob, OTHER_USER_ID, OTHER_WORKSPACE};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const NOW: i64 = 1_745_000_000; // 2025-04-18T18:13:20Z

fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ids(body: &Value) -> Vec<String> {
    body["Jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["JobId"].as_str().unwrap().to_string())
        .collect()
}

fn world() -> (PaiWorld, crate::sim::ManualClock) {
    let (clock, handle) = Clock::manual(DateTime::from_timestamp(NOW, 0).unwrap());
    (PaiWorld::new(clock), handle)
}

fn since(days: i64) -> String {
    crate::providers::pai_dlc_jobs::format_time(NOW - days * 86_400)
}

fn all() -> Vec<(String, String)> {
    p(&[("StartTime", "2000-01-01T00:00:00Z")])
}

fn with(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v = all();
    v.extend(p(extra));
    v
}

/// A job created `days_ago` days before now.
fn aged(w: &mut PaiWorld, name: &str, days_ago: i64, status: &str) -> String {
    let mut spec = Map::new();
    spec.insert("UserCommand".into(), json!("python train.py"));
    w.create_with(NewJob {
        display_name: name.into(),
        job_type: "PyTorchJob".into(),
        workspace_id: w.default_workspace.clone(),
        user_id: w.caller_user_id.clone(),
        status: status.into(),
        created: Some(NOW - days_ago * 86_400),
        spec,
    })
}

#[test]
fn defaults_shape_and_the_seven_day_window() {
    let (mut w, _) = world();
    let old = aged(&mut w, "old", 30, "Succeeded");
    let edge = aged(&mut w, "edge", 7, "Succeeded");
    let edge_id = edge.clone();
    let new = aged(&mut w, "new", 1, "Running");
    let body = list(&w, &[]).unwrap();
    // Newest first (GmtCreateTime desc) and only the last 7 days, edge included.
    assert_eq!(ids(&body), [new.clone(), edge.clone()]);
    assert_eq!(body["TotalCount"], 2);
    let rid = body["RequestId"].as_str().unwrap();
    assert_eq!(rid.len(), 36);
    assert_eq!(rid, rid.to_uppercase());
    // An explicit StartTime (or EndTime) lifts the window; so does nothing else.
    assert_eq!(
        ids(&list(&w, &all()).unwrap()),
        [new.clone(), edge.clone(), old.clone()]
    );
    assert_eq!(
        ids(&list(&w, &p(&[("EndTime", &since(0))])).unwrap()),
        [new.clone(), edge, old.clone()]
    );
    assert!(
        ids(&list(&w, &p(&[("JobId", &old)])).unwrap()).is_empty(),
        "window applies to ids"
    );
    assert_eq!(ids(&list(&w, &with(&[("JobId", &old)])).unwrap()), [old]);
    // The window follows TimeRangeField.
    // (`edge` finished an hour after its creation: inside the window.)
    let finished = list(&w, &p(&[("TimeRangeField", "GmtFinishTime")])).unwrap();
    assert_eq!(ids(&finished), vec![edge_id.clone()]);
    let job = &list(&w, &with(&[("JobId", &new)])).unwrap()["Jobs"][0];
    assert_eq!(job.as_object().unwrap().len(), 62);
}

#[test]
fn time_ranges_are_inclusive_whole_seconds() {
    let (mut w, _) = world();
    let a = aged(&mut w, "a", 3, "Succeeded");
    let b = aged(&mut w, "b", 2, "Succeeded");
    let t = since(2);
    assert_eq!(
        ids(&list(&w, &p(&[("StartTime", &t)])).unwrap()),
        vec![b.clone()]
    );
    assert_eq!(
        ids(&list(&w, &p(&[("StartTime", &since(3)), ("EndTime", &t)])).unwrap()),
        [b.clone(), a.clone()]
    );
    assert_eq!(
        ids(&list(&w, &p(&[("StartTime", &t), ("EndTime", &t)])).unwrap()),
        [b]
    );
    assert!(ids(&list(&w, &p(&[("StartTime", &t), ("EndTime", &since(3))])).unwrap()).is_empty());
    // Other offsets are accepted.
    let plus8 = DateTime::from_timestamp(NOW - 3 * 86_400, 0)
        .unwrap()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .to_rfc3339();
    assert_eq!(ids(&list(&w, &p(&[("EndTime", &plus8)])).unwrap()), [a]);
}

#[test]
fn job_id_wins_over_job_ids_and_both_ignore_case() {
    let (mut w, _) = world();
    let a = w.create("a", "Running");
    let b = w.create("b", "Running");
    let c = w.create("c", "Running");
    let q = |pairs: &[(&str, &str)]| {
        let mut v = ids(&list(&w, &with(pairs)).unwrap());
        v.sort();
        v
    };
    let mut ab = vec![a.clone(), b.clone()];
    ab.sort();
    assert_eq!(
        q(&[("JobIds", &format!("{a}, {},,", b.to_uppercase()))]),
        ab
    );
    assert_eq!(
        q(&[
            ("JobIds", &format!("{a},{b}")),
            ("JobId", &c.to_uppercase())
        ]),
        vec![c.clone()]
    );
    assert_eq!(
        q(&[("JobIds", &format!("{a},{b}")), ("JobId", "")]),
        ab,
        "empty = absent"
    );
    assert!(
        q(&[("JobId", &format!("{a}x"))]).is_empty(),
        "exact, not fuzzy"
    );
}

#[test]
fn display_name_is_fuzzy_and_case_insensitive_as_documented() {
    let (mut w, _) = world();
    let names = [
        "test-job1",
        "job-test",
        "job-test2",
        "job-Test",
        "job-t1",
        "Ünïcode-TËST",
    ];
    let ids_by_name: Vec<String> = names.iter().map(|n| w.create(*n, "Running")).collect();
    let q = |pairs: &[(&str, &str)]| {
        let got = ids(&list(
            &w,
            &with(&[pairs, &[("SortBy", "DisplayName"), ("Order", "asc")]].concat()),
        )
        .unwrap());
        got.iter()
            .map(|id| names[ids_by_name.iter().position(|x| x == id).unwrap()])
            .collect::<Vec<_>>()
    };
    assert_eq!(
        q(&[("DisplayName", "test")]),
        ["job-Test", "job-test", "job-test2", "test-job1"]
    );
    assert_eq!(
        q(&[
            ("DisplayName", "test"),
            ("DisplayNameSearchMode", "wildcard")
        ])
        .len(),
        4
    );
    assert_eq!(
        q(&[
            ("DisplayName", "JOB-TEST"),
            ("DisplayNameSearchMode", "exact")
        ]),
        ["job-Test", "job-test"]
    );
    assert_eq!(
        q(&[("DisplayName", "tëst")]),
        Vec::<&str>::new(),
        "ASCII folding only"
    );
    assert_eq!(
        q(&[("DisplayName", "job-t*")]),
        Vec::<&str>::new(),
        "no wildcards"
    );
}

#[test]
fn workspace_owner_and_settings_filters() {
    let (mut w, _) = world();
    let mine = w.create("mine", "Running");
    let elsewhere = w.create_in(OTHER_WORKSPACE, "elsewhere", "Running");
    let mut spec = Map::new();
    spec.insert(
        "Settings".into(),
        json!({"Tags": {"team": "ml platform", "env": "prod"}, "PipelineId": "flow-1", "Caller": "sdk", "BusinessUserId": "16"}),
    );
    spec.insert("ResourceId".into(), json!("quota123"));
    spec.insert("ResourceQuotaName".into(), json!("Quota_Research"));
    spec.insert("Accessibility".into(), json!("PUBLIC"));
    spec.insert("TemplateId".into(), json!("tml1"));
    spec.insert("RequestGPU".into(), json!("8"));
    spec.insert("UseOversoldResource".into(), json!(true));
    spec.insert("UserCommand".into(), json!("torchrun --nproc 8 train.py"));
    spec.insert(
        "JobSpecs".into(),
        json!([{"Type": "Worker", "Image": "custom/megatron-lm:24.01", "PodCount": 2, "UseSpotInstance": false, "AssignNodeSpec": {"EnableAssignNode": true}}]),
    );
    if let Some(Value::Object(s)) = spec.get_mut("Settings") {
        s.insert("OversoldType".into(), json!("AcceptQuotaOverSold"));
    }
    let theirs = w.create_with(NewJob {
        display_name: "theirs".into(),
        job_type: "TFJob".into(),
        workspace_id: w.default_workspace.clone(),
        user_id: OTHER_USER_ID.into(),
        status: "Failed".into(),
        created: None,
        spec,
    });
    let q = |pairs: &[(&str, &str)]| {
        let mut v = ids(&list(&w, &with(pairs)).unwrap());
        v.sort();
        v
    };
    let mut both = vec![mine.clone(), theirs.clone()];
    both.sort();
    assert_eq!(q(&[]), both);
    assert_eq!(
        q(&[("WorkspaceId", OTHER_WORKSPACE)]),
        vec![elsewhere.clone()]
    );
    assert_eq!(q(&[("ShowOwn", "True")]), vec![mine.clone()]);
    let mut own_all = vec![mine.clone(), elsewhere.clone()];
    own_all.sort();
    assert_eq!(
        q(&[("ShowOwn", "true"), ("FromAllWorkspaces", "true")]),
        own_all
    );
    assert_eq!(q(&[("FromAllWorkspaces", "True")]), both, "needs ShowOwn");
    for pairs in [
        vec![("Tags", r#"{"team":"ml platform"}"#)],
        vec![("Tags", r#"{"team":"ml platform","env":"prod"}"#)],
        vec![("PipelineId", "flow-1")],
        vec![("Caller", "sdk")],
        vec![("BusinessUserId", "16")],
        vec![("ResourceId", "quota123")],
        vec![("ResourceIds", "x,quota123")],
        vec![("ResourceQuotaName", "research")],
        vec![("Accessibility", "PUBLIC")],
        vec![("TemplateId", "tml1")],
        vec![("UserIdForFilter", OTHER_USER_ID)],
        vec![("Username", "ALICE")],
        vec![("JobType", "TFJob")],
        vec![("Status", "Failed")],
        vec![
            ("NumericRangeField", "RequestGPU"),
            ("NumericRangeMin", "4"),
            ("NumericRangeMax", "8"),
        ],
        vec![("UserCommandSearch", "TORCHRUN train")],
        vec![("ImageSearch", "MEGATRON 24.01")],
        vec![("ReasonSearch", "failed")],
        vec![("EnableAssignNode", "true")],
        vec![("PaymentType", "PrePaid")],
        vec![("OversoldInfo", "AcceptQuotaOverSold-true")],
    ] {
        assert_eq!(q(&pairs), vec![theirs.clone()], "{pairs:?}");
    }
    for pairs in [
        vec![("Tags", r#"{"team":"ml"}"#)],
        vec![("Status", "failed")],
        vec![
            ("NumericRangeField", "RequestGPU"),
            ("NumericRangeMin", "9"),
        ],
        vec![("OversoldInfo", "AcceptQuotaOverSold-false")],
        vec![("ShowOwn", "true"), ("UserIdForFilter", OTHER_USER_ID)],
    ] {
        assert!(q(&pairs).is_empty(), "{pairs:?}");
    }
    assert_eq!(q(&[("PaymentType", "PostPaid")]), vec![mine.clone()]);
    assert_eq!(q(&[("EnableAssignNode", "FALSE")]), vec![mine.clone()]);
    // A range field without bounds filters nothing; bounds without a field neither.
    assert_eq!(q(&[("NumericRangeField", "Priority")]).len(), 2);
    assert_eq!(q(&[("NumericRangeMax", "0")]).len(), 2);
    // Description has no JobItem field: ignored.
    assert_eq!(q(&[("Description", "anything")]).len(), 2);
}

#[test]
fn out_of_range_parameters_get_alibabas_400_naming_them() {
    let (mut w, _) = world();
    w.create("a", "Running");
    for (name, value) in [
        ("PageSize", "0"),
        ("PageSize", "101"),
        ("PageSize", "ten"),
        ("PageNumber", "0"),
        ("PageNumber", "-1"),
        ("PageNumber", "2147483648"),
        ("Order", "up"),
        ("SortBy", "gmtcreatetime"),
        ("SortBy", "JobId"),
        ("ShowOwn", "yes"),
        ("ShowOwn", "TRUE"),
        ("FromAllWorkspaces", "1"),
        ("StartTime", "2025-04-16"),
        ("EndTime", "yesterday"),
        ("TimeRangeField", "GmtDeletedTime"),
        ("NumericRangeField", "Memory"),
        ("NumericRangeMin", "4.5"),
        ("Tags", "team=ml"),
        ("Tags", r#"{"n": 1}"#),
        ("DisplayNameSearchMode", "regex"),
        ("EnableAssignNode", "maybe"),
        ("PaymentType", "Free"),
        ("OversoldInfo", "AcceptQuotaOverSold"),
        ("Accessibility", "private"),
    ] {
        let err = list(&w, &p(&[(name, value)])).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST, "{name}={value}");
        assert_eq!(err.body["Code"], "InvalidParameter");
        let msg = err.body["Message"].as_str().unwrap();
        assert!(
            msg.contains(name) && msg.contains(&format!("'{value}'")),
            "{msg}"
        );
        for key in ["RequestId", "HostId", "Recommend"] {
            assert!(err.body[key].is_string(), "{key}");
        }
    }
    // Accepted spellings.
    for (name, value) in [
        ("PageSize", "100"),
        ("PageSize", "1"),
        ("Order", "ASC"),
        ("ShowOwn", "False"),
        ("FromAllWorkspaces", "false"),
        ("PageNumber", "99999"),
        ("PageSize", ""),
        ("SortBy", ""),
    ] {
        assert!(list(&w, &p(&[(name, value)])).is_ok(), "{name}={value}");
    }
    // Unknown names are ignored; the first occurrence wins.
    let body = list(
        &w,
        &p(&[("pagesize", "0"), ("PageSize", "1"), ("PageSize", "0")]),
    )
    .unwrap();
    assert_eq!(ids(&body).len(), 1);
}

#[test]
fn sorts_break_ties_by_job_id_ascending_in_both_orders() {
    let (mut w, clock) = world();
    // Same second, same name: only the JobId orders them.
    let same: Vec<String> = (0..5).map(|_| w.create("same", "Running")).collect();
    clock.advance(chrono::Duration::seconds(10));
    let later = w.create("later", "Running");
    w.set_status(&same[0], "Succeeded");
    let mut by_id = same.clone();
    by_id.sort();
    let q = |pairs: &[(&str, &str)]| ids(&list(&w, &with(pairs)).unwrap());
    let mut want = vec![later.clone()];
    want.extend(by_id.clone());
    assert_eq!(q(&[]), want, "desc: newer first, ties by JobId asc");
    let mut want = by_id.clone();
    want.push(later.clone());
    assert_eq!(q(&[("Order", "asc")]), want);
    // GmtFinishTime: nulls first ascending, last descending.
    let asc = q(&[("SortBy", "GmtFinishTime"), ("Order", "asc")]);
    assert_eq!(asc.last(), Some(&same[0]));
    let desc = q(&[("SortBy", "GmtFinishTime")]);
    assert_eq!(desc.first(), Some(&same[0]));
    // Paging through ties concatenates to the full order.
    let full = q(&[("SortBy", "DisplayName")]);
    let paged: Vec<String> = (1..=7)
        .flat_map(|n| {
            q(&[
                ("SortBy", "DisplayName"),
                ("PageSize", "1"),
                ("PageNumber", &n.to_string()),
            ])
        })
        .collect();
    assert_eq!(paged, full);
}

/// Pages through every sort and a few filters equal a naive implementation: filter
/// by hand, stable sort by JobId, then stable sort by the field.
#[test]
fn pages_equal_a_naive_full_sort() {
    let (mut w, _) = world();
    let mut rng = StdRng::seed_from_u64(42);
    w.seed(300, &mut rng);
    let all_ids: Vec<String> = w.jobs().map(|j| j.job_id.clone()).collect();
    for _ in 0..20 {
        let id = &all_ids[rng.gen_range(0..all_ids.len())];
        w.delete(id);
    }
    for sort in SortBy::ALL {
        for order in ["asc", "desc"] {
            for status in [None, Some("Succeeded")] {
                let mut params = with(&[("SortBy", sort.as_str()), ("Order", order)]);
                if let Some(s) = status {
                    params.push(("Status".into(), s.into()));
                }
                let mut naive: Vec<&PaiJob> = w
                    .jobs()
                    .filter(|j| j.workspace_id == w.default_workspace)
                    .filter(|j| status.is_none_or(|s| j.status == s))
                    .collect();
                naive.sort_by(|a, b| a.job_id.cmp(&b.job_id));
                naive.sort_by(|a, b| {
                    let f = sort.compare(a, b);
                    if order == "desc" {
                        f.reverse()
                    } else {
                        f
                    }
                });
                let naive: Vec<String> = naive.iter().map(|j| j.job_id.clone()).collect();
                assert!(!naive.is_empty());
                for size in [7usize, 100] {
                    let mut got = Vec::new();
                    for page in 1..=naive.len() / size + 2 {
                        let mut pp = params.clone();
                        pp.push(("PageSize".into(), size.to_string()));
                        pp.push(("PageNumber".into(), page.to_string()));
                        let body = list(&w, &pp).unwrap();
                        assert_eq!(body["TotalCount"], naive.len());
                        got.extend(ids(&body));
                    }
                    assert_eq!(got, naive, "{params:?} size {size}");
                }
            }
        }
    }
}

#[test]
fn soft_deleted_jobs_stay_listed_and_mutations_show_at_once() {
    let (mut w, _) = world();
    let a = w.create("a", "Running");
    let b = w.create("b", "Running");
    let running = with(&[("Status", "Running"), ("JobId", &a)]);
    assert_eq!(ids(&list(&w, &running).unwrap()), vec![a.clone()]);
    w.soft_delete(&a);
    let body = list(&w, &running).unwrap();
    assert_eq!(body["Jobs"][0]["IsDeleted"], true);
    let running = with(&[("Status", "Running")]);
    w.set_status(&b, "Stopping");
    assert_eq!(
        ids(&list(&w, &running).unwrap()),
        vec![a.clone()],
        "soft-deleted, still listed"
    );
    w.delete(&a);
    assert!(ids(&list(&w, &running).unwrap()).is_empty());
}

#[test]
fn shift_deletes_just_before_the_page_and_inserts_new_jobs() {
    let (mut w, _) = world();
    for i in 0..30 {
        aged(&mut w, &format!("job-{i:02}"), 30 - i, "Succeeded");
    }
    let params = with(&[("Order", "asc"), ("PageSize", "5"), ("PageNumber", "2")]);
    let q = ListQuery::parse(&params).unwrap();
    let before = ids(&list(&w, &with(&[("Order", "asc"), ("PageSize", "100")])).unwrap());
    let ev = apply_shift(
        &mut w,
        &q,
        Shift {
            insert: 2,
            delete_before: 2,
        },
    );
    assert_eq!(ev.deleted, [before[3].clone(), before[4].clone()]);
    assert_eq!(ev.created.len(), 2);
    assert_eq!(ev.kind, "pai-dlc-jobs");
    let page2 = ids(&list(&w, &params).unwrap());
    assert_eq!(page2[0], before[7], "offset paging skips jobs");
    for id in &ev.created {
        assert_eq!(w.get(id).unwrap().created, NOW);
    }
}

/// The indexed path of plain creation-time listings (the collector's keyset) pages
/// exactly like the naive filter-and-sort, with many jobs per second, two
/// workspaces, time ranges cutting through seconds, purged jobs and compaction.
#[test]
fn plain_creation_listings_equal_a_naive_full_sort() {
    let (mut w, _) = world();
    let mut rng = StdRng::seed_from_u64(7);
    let mut ids_made = Vec::new();
    let mut t = NOW - 160;
    for i in 0..1500 {
        if rng.gen_ratio(1, 20) {
            t += rng.gen_range(1..=3);
        }
        let ws = if rng.gen_ratio(1, 3) {
            OTHER_WORKSPACE.to_string()
        } else {
            w.default_workspace.clone()
        };
        ids_made.push(w.create_with(NewJob {
            display_name: format!("job-{i}"),
            job_type: "PyTorchJob".into(),
            workspace_id: ws,
            user_id: w.caller_user_id.clone(),
            status: "Running".into(),
            created: Some(t.min(NOW)),
            spec: Map::new(),
        }));
    }
    // 1,100 purged: more than 1,024 and than the live ones, so storage is compacted.
    for (i, id) in ids_made.iter().enumerate() {
        if i % 4 != 3 && i < 1466 {
            w.delete(id);
        }
    }
    let fmt = crate::providers::pai_dlc_jobs::format_time;
    for ws in [None, Some(OTHER_WORKSPACE)] {
        for (from, to) in [
            (None, None),
            (Some(NOW - 160), None),
            (Some(NOW - 100), Some(NOW - 50)),
            (None, Some(NOW - 80)),
            (Some(NOW - 30), Some(NOW - 30)),
        ] {
            for order in ["asc", "desc"] {
                let mut params = p(&[("SortBy", "GmtCreateTime"), ("Order", order)]);
                if let Some(ws) = ws {
                    params.push(("WorkspaceId".into(), ws.into()));
                }
                if let Some(f) = from {
                    params.push(("StartTime".into(), fmt(f)));
                }
                if let Some(e) = to {
                    params.push(("EndTime".into(), fmt(e)));
                }
                let q = ListQuery::parse(&params).unwrap();
                assert!(q.is_plain_creation_listing());
                let mut naive: Vec<&PaiJob> = w.jobs().filter(|j| q.matches(&w, j, NOW)).collect();
                naive.sort_by(|a, b| q.compare(a, b));
                let naive: Vec<String> = naive.iter().map(|j| j.job_id.clone()).collect();
                for size in [1usize, 3, 7, 100] {
                    let mut got = Vec::new();
                    for page in 1..=naive.len() / size + 2 {
                        let mut pp = params.clone();
                        pp.push(("PageSize".into(), size.to_string()));
                        pp.push(("PageNumber".into(), page.to_string()));
                        let body = list(&w, &pp).unwrap();
                        assert_eq!(body["TotalCount"], naive.len(), "{pp:?}");
                        got.extend(ids(&body));
                    }
                    assert_eq!(got, naive, "{params:?} size {size}");
                }
            }
        }
    }
    // Any other filter takes the general path.
    let q = ListQuery::parse(&with(&[("Status", "Running")])).unwrap();
    assert!(!q.is_plain_creation_listing());
    let q = ListQuery::parse(&with(&[("ShowOwn", "true")])).unwrap();
    assert!(!q.is_plain_creation_listing());
    let q = ListQuery::parse(&with(&[("SortBy", "DisplayName")])).unwrap();
    assert!(!q.is_plain_creation_listing());
}
