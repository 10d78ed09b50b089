//! The closed set of provider kinds jobmirror mirrors, with their contract names,
//! native tables and paging limits.

use std::fmt;
use std::str::FromStr;

/// One provider list API (config `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    ModelartsTrainingJobs,
    PaiDlcJobs,
    ModzyJobs,
    ModelartsAlgorithms,
    SwrInstanceJobs,
}

/// Which credentials a kind signs its requests with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFamily {
    /// Huawei Cloud: AK/SK `SDK-HMAC-SHA256` or an IAM token in `X-Auth-Token`.
    Huawei,
    /// Alibaba Cloud: AccessKey `ACS3-HMAC-SHA256`.
    Alibaba,
    /// Modzy: `Authorization: ApiKey <key>`.
    Modzy,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::ModelartsTrainingJobs,
        Kind::PaiDlcJobs,
        Kind::ModzyJobs,
        Kind::ModelartsAlgorithms,
        Kind::SwrInstanceJobs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ModelartsTrainingJobs => "modelarts-training-jobs",
            Kind::PaiDlcJobs => "pai-dlc-jobs",
            Kind::ModzyJobs => "modzy-jobs",
            Kind::ModelartsAlgorithms => "modelarts-algorithms",
            Kind::SwrInstanceJobs => "swr-instance-jobs",
        }
    }

    /// The native table of this kind.
    pub fn table(self) -> &'static str {
        match self {
            Kind::ModelartsTrainingJobs => "modelarts_training_jobs",
            Kind::PaiDlcJobs => "pai_dlc_jobs",
            Kind::ModzyJobs => "modzy_jobs",
            Kind::ModelartsAlgorithms => "modelarts_algorithms",
            Kind::SwrInstanceJobs => "swr_instance_jobs",
        }
    }

    /// The provider's documented maximum page size.
    pub fn max_page_size(self) -> u32 {
        match self {
            Kind::ModelartsTrainingJobs => 1000,
            Kind::PaiDlcJobs => 100,
            Kind::ModzyJobs => 1000,
            Kind::ModelartsAlgorithms => 50,
            Kind::SwrInstanceJobs => 100,
        }
    }

    pub fn auth_family(self) -> AuthFamily {
        match self {
            Kind::ModelartsTrainingJobs | Kind::ModelartsAlgorithms | Kind::SwrInstanceJobs => {
                AuthFamily::Huawei
            }
            Kind::PaiDlcJobs => AuthFamily::Alibaba,
            Kind::ModzyJobs => AuthFamily::Modzy,
        }
    }

    /// Whether the kind's list needs a `project_id` in its path.
    pub fn needs_project_id(self) -> bool {
        self.auth_family() == AuthFamily::Huawei
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let valid: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown kind {s:?}; valid kinds: {}", valid.join(", "))
            })
    }
}
