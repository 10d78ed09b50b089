//! A job's JobItem written straight as compact JSON text: the same bytes as
//! `serde_json::to_vec(&job.to_json(..))` (the `Value` tree, kept as the
//! reference), without building the tree — the simulator answers list pages
//! from this, so a benchmark's transport reference is not limited by it.
//!
//! The field order is the tree's (serde_json's `preserve_order` is on: insertion
//! order); strings are escaped by serde_json; times are formatted by arithmetic
//! for years 1970..=9999 and by chrono's strftime (as the tree does) otherwise.

use super::{pod_status, time, PaiJob};
use serde_json::Value;
use std::io::Write;

/// Appends `s` as a JSON string (serde_json's escaping).
fn string(out: &mut Vec<u8>, s: &str) {
    // Only control characters, `"` and `\` are escaped: plain text is copied.
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// Appends a JSON value as serde_json writes it.
fn value(out: &mut Vec<u8>, v: &Value) {
    let _ = serde_json::to_writer(&mut *out, v);
}

fn int(out: &mut Vec<u8>, n: impl std::fmt::Display) {
    let _ = write!(out, "{n}");
}

/// Days since 1970-01-01 → (year, month, day) (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The last second of 9999-12-31: up to it years have four digits.
const MAX_FAST: i64 = 253_402_300_799;

/// Appends `time(t)`: `"YYYY-MM-DDTHH:MM:SSZ"` or `null`.
fn time_text(out: &mut Vec<u8>, t: Option<i64>) {
    match t {
        Some(t) if (0..=MAX_FAST).contains(&t) => {
            let (y, mo, d) = civil_from_days(t / 86_400);
            let s = t % 86_400;
            let mut b = *b"\"0000-00-00T00:00:00Z\"";
            let mut put = |at: usize, v: u32, width: usize| {
                let mut v = v;
                for i in (0..width).rev() {
                    b[at + i] = b'0' + (v % 10) as u8;
                    v /= 10;
                }
            };
            put(1, y as u32, 4);
            put(6, mo, 2);
            put(9, d, 2);
            put(12, (s / 3600) as u32, 2);
            put(15, (s / 60 % 60) as u32, 2);
            put(18, (s % 60) as u32, 2);
            out.extend_from_slice(&b);
        }
        _ => value(out, &time(t)),
    }
}

/// Writes `{"k":v,...}` with a comma before every key but the first.
struct Obj<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> Obj<'o> {
    fn open(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// Writes the key (plain ASCII, no escapes) and returns the output for its value.
    fn key(&mut self, k: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    fn str(&mut self, k: &str, v: &str) {
        string(self.key(k), v);
    }

    fn time(&mut self, k: &str, t: Option<i64>) {
        time_text(self.key(k), t);
    }

    fn close(self) {
        self.out.push(b'}');
    }
}

impl PaiJob {
    /// Appends [`PaiJob::to_json`]'s compact JSON text to `out`, byte for byte.
    pub fn write_json(&self, out: &mut Vec<u8>, workspace_name: &str, username: &str) {
        let mut o = Obj::open(out);
        macro_rules! spec {
            ($k:literal) => {
                match self.spec.get($k) {
                    Some(v) => value(o.key($k), v),
                    None => o.key($k).extend_from_slice(b"null"),
                }
            };
        }
        spec!("Accessibility");
        spec!("ClusterId");
        spec!("CodeSource");
        spec!("CredentialConfig");
        spec!("DataSources");
        o.str("DisplayName", &self.display_name);
        int(o.key("Duration"), self.duration);
        spec!("ElasticSpec");
        spec!("EnablePreemptibleJob");
        spec!("EnabledDebugger");
        spec!("Envs");
        o.time("GmtCreateTime", Some(self.created));
        o.time("GmtFailedTime", self.failed);
        o.time("GmtFinishTime", self.finished);
        o.time("GmtModifiedTime", Some(self.modified));
        o.time("GmtRunningTime", self.running);
        o.time("GmtStoppedTime", self.stopped);
        o.time("GmtSubmittedTime", self.submitted);
        o.time("GmtSuccessedTime", self.succeeded);
        o.key("IsDeleted")
            .extend_from_slice(if self.is_deleted { b"true" } else { b"false" });
        o.str("JobId", &self.job_id);
        spec!("JobMaxRunningTimeMinutes");
        self.write_replica_statuses(o.key("JobReplicaStatuses"));
        spec!("JobSpecs");
        o.str("JobType", &self.job_type);
        spec!("NodeCount");
        spec!("NodeNames");
        self.write_pods(o.key("Pods"));
        spec!("Priority");
        o.str("ReasonCode", &self.reason_code);
        o.str("ReasonMessage", &self.reason_message);
        spec!("RequestCPU");
        spec!("RequestGPU");
        spec!("RequestMemory");
        spec!("ResourceId");
        spec!("ResourceLevel");
        spec!("ResourceName");
        spec!("ResourceQuotaName");
        spec!("ResourceType");
        let restarts = o.key("RestartTimes");
        restarts.push(b'"');
        int(restarts, self.restart_times);
        restarts.push(b'"');
        spec!("RetryCount");
        spec!("SchedulingStrategy");
        spec!("Settings");
        o.str("Status", &self.status);
        let out = o.key("StatusHistory");
        out.push(b'[');
        for (i, t) in self.history.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let mut h = Obj::open(&mut *out);
            h.str("Status", &t.status);
            h.time("StartTime", Some(t.start));
            h.time("EndTime", t.end);
            h.str("ReasonCode", &t.reason_code);
            h.str("ReasonMessage", &t.reason_message);
            h.close();
        }
        out.push(b']');
        o.str("SubStatus", &self.sub_status);
        spec!("SystemEnvs");
        spec!("TemplateId");
        spec!("TemplateName");
        spec!("TenantId");
        spec!("ThirdpartyLibDir");
        spec!("ThirdpartyLibs");
        spec!("UseOversoldResource");
        spec!("UserCommand");
        o.str("UserId", &self.user_id);
        spec!("UserScript");
        spec!("UserVpc");
        o.str("Username", username);
        spec!("WorkingDir");
        o.str("WorkspaceId", &self.workspace_id);
        o.str("WorkspaceName", workspace_name);
        spec!("supportedProfilingTypes");
        o.close();
    }

    /// `Pods`, as [`PaiJob::pods`].
    fn write_pods(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        if let Some(pod) = pod_status(&self.status) {
            let mut first = true;
            for spec in self.job_specs() {
                let ty = spec.get("Type").and_then(Value::as_str).unwrap_or("Worker");
                let n = spec.get("PodCount").and_then(Value::as_u64).unwrap_or(1);
                for i in 0..n {
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    let ip = format!(
                        "10.{}.{}.{}",
                        (self.created >> 16) & 255,
                        (self.created >> 8) & 255,
                        10 + i
                    );
                    let mut p = Obj::open(&mut *out);
                    p.str(
                        "PodId",
                        &format!("{}-{}-{i}", self.job_id, ty.to_ascii_lowercase()),
                    );
                    p.str(
                        "PodUid",
                        &format!(
                            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                            self.created, i, self.restart_times, i, self.created
                        ),
                    );
                    p.str("PodIp", &ip);
                    p.str("Ip", &ip);
                    let ips = p.key("PodIps");
                    ips.extend_from_slice(b"[{\"InterfaceName\":\"eth0\",\"Ip\":");
                    string(ips, &ip);
                    ips.extend_from_slice(b"}]");
                    p.str(
                        "NodeName",
                        &format!("cn-hangzhou.192.168.{}.{}", i % 4, 20 + i),
                    );
                    p.str("Type", ty);
                    p.str("Status", pod);
                    p.str("SubStatus", "Normal");
                    p.time("GmtCreateTime", self.submitted.or(Some(self.created)));
                    p.time("GmtStartTime", self.running);
                    p.time("GmtFinishTime", self.finished);
                    p.key("HistoryPods").extend_from_slice(b"[]");
                    p.str("supportedProfilingTypes", "cpu");
                    p.close();
                }
            }
        }
        out.push(b']');
    }

    /// `JobReplicaStatuses`, as [`PaiJob::replica_statuses`].
    fn write_replica_statuses(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (i, s) in self.job_specs().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let n = s.get("PodCount").and_then(Value::as_u64).unwrap_or(1);
            let (active, queuing, dequeued) = match self.status.as_str() {
                "Creating" | "Queuing" | "Bidding" => (0, n, 0),
                "EnvPreparing" | "SanityChecking" | "Running" | "Restarting" | "Stopping" => {
                    (n, 0, n)
                }
                _ => (0, 0, n),
            };
            let mut r = Obj::open(&mut *out);
            match s.get("Type") {
                Some(t) => value(r.key("Type"), t),
                None => r.key("Type").extend_from_slice(b"null"),
            }
            int(r.key("Active"), active);
            int(r.key("Queuing"), queuing);
            int(r.key("Dequeued"), dequeued);
            int(r.key("EstimatedPodCount"), n);
            r.key("CurrentSpotInstanceType").extend_from_slice(b"null");
            r.key("EstimatedResourceConfig").extend_from_slice(b"null");
            r.key("EstimatedAutoScalingSpec").extend_from_slice(b"null");
            r.close();
        }
        out.push(b']');
    }
}
