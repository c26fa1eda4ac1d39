//! Staff of a merchant and what each role may do in the console (issue 14, docs/adr/0027). Pure:
//! the server checks [`Role::allows`] before every console action.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A staff member's role in one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including staff and settings.
    Admin,
    /// Billing actions, invoice runs, exports.
    Finance,
    /// Reads customers and helps them (sign-in links, mails); moves no money.
    Support,
    /// Dashboards only.
    Analyst,
}

/// What a console action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// The dashboard and the own account.
    Dashboard,
    /// Customer search and detail, runs and the dunning board (read).
    Read,
    /// Help a customer without moving money: portal sign-in links, mails.
    HelpCustomers,
    /// Credit notes, voids, receipts, refunds, plan changes, coupons.
    MoveMoney,
    /// Start and post invoice runs.
    RunInvoices,
    /// CSV and DATEV exports.
    Export,
    /// Invite and disable staff.
    ManageStaff,
    /// The merchant's settings: branding, tax registrations, dunning policy, portal options.
    Settings,
    /// Enter the figures the metrics need (acquisition spend).
    EnterFigures,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Finance, Role::Support, Role::Analyst];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Finance => "finance",
            Role::Support => "support",
            Role::Analyst => "analyst",
        }
    }

    /// The role matrix of the console.
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Finance => !matches!(p, ManageStaff | Settings),
            Role::Support => matches!(p, Dashboard | Read | HelpCustomers),
            Role::Analyst => matches!(p, Dashboard),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| Error::invalid("role", "use admin, finance, support or analyst"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_matrix() {
        use Permission::*;
        let all = [Dashboard, Read, HelpCustomers, MoveMoney, RunInvoices, Export, ManageStaff, Settings, EnterFigures];
        assert!(all.iter().all(|p| Role::Admin.allows(*p)));
        assert!(!Role::Finance.allows(ManageStaff) && Role::Finance.allows(MoveMoney) && Role::Finance.allows(Export));
        assert!(!Role::Finance.allows(Settings) && !Role::Support.allows(Settings));
        assert!(Role::Support.allows(HelpCustomers) && Role::Support.allows(Read));
        assert!(
            !Role::Support.allows(MoveMoney) && !Role::Support.allows(RunInvoices) && !Role::Support.allows(Export)
        );
        assert_eq!(all.iter().filter(|p| Role::Analyst.allows(**p)).count(), 1);
        assert!(Role::Finance.allows(EnterFigures) && !Role::Support.allows(EnterFigures));
        assert_eq!("Finance".parse::<Role>().unwrap(), Role::Finance);
        assert!("owner".parse::<Role>().is_err());
    }
}
