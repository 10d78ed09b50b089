//! The normalized job state shared by every kind (`pending, running, succeeded,
//! failed, stopped, unknown`), which each provider maps its native statuses onto.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Pending,
    Running,
    Succeeded,
    Failed,
    Stopped,
    Unknown,
}

impl State {
    pub const ALL: [State; 6] = [
        State::Pending,
        State::Running,
        State::Succeeded,
        State::Failed,
        State::Stopped,
        State::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Running => "running",
            State::Succeeded => "succeeded",
            State::Failed => "failed",
            State::Stopped => "stopped",
            State::Unknown => "unknown",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        State::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "{s:?} is not a state; valid: pending, running, succeeded, failed, stopped, unknown"
                )
            })
    }
}
