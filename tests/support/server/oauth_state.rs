//! State of the authorization server: clients, pending authorizations, codes, grants, faults, records.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::state::random_hex;
use super::{OAuthCounts, OAuthFault, OAuthRecord};

/// Oldest records are dropped beyond this many.
const MAX_RECORDS: usize = 1000;
/// Lifetime of an authorization code.
pub(crate) const CODE_TTL: Duration = Duration::from_secs(60);

#[derive(Clone, Debug)]
pub(crate) struct Client {
    pub id: String,
    pub secret: Option<String>,
    /// `none`, `client_secret_basic` or `client_secret_post`; None: pre-registered (either secret method).
    pub auth_method: Option<String>,
    pub redirect_uris: Vec<String>,
    /// Pre-registered clients accept any loopback redirect URI.
    pub any_loopback: bool,
    pub name: Option<String>,
}

/// A `GET /authorize` waiting for the user's decision.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub id: String,
    pub client_id: String,
    pub client_name: Option<String>,
    pub redirect_uri: String,
    pub state: String,
    pub challenge: String,
    pub resource: String,
    pub scope: String,
    pub decided: bool,
    /// The person signed in when the request arrived; the code is theirs.
    pub user: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Code {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: String,
    pub resource: String,
    pub scope: String,
    pub created: Instant,
    pub used: bool,
    /// The person who approved it.
    pub user: String,
    /// The grant its exchange created (revoked if the code is replayed).
    pub grant: Option<usize>,
}

#[derive(Clone, Debug)]
pub(crate) struct Access {
    pub token: String,
    pub expires: Instant,
    pub revoked: bool,
}

/// One authorization: its live refresh token, the rotated ones, and its access tokens.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    pub client_id: String,
    pub resource: String,
    pub scope: String,
    pub refresh: Option<String>,
    pub rotated: Vec<String>,
    pub access: Vec<Access>,
    pub revoked: bool,
    /// The person whose account it opens (the authorization code grant only).
    pub user: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct OAuthState {
    pub clients: Vec<Client>,
    pub pending: Vec<Pending>,
    pub codes: HashMap<String, Code>,
    pub grants: Vec<Grant>,
    pub faults: Vec<OAuthFault>,
    pub records: VecDeque<(u64, OAuthRecord)>,
    pub next_seq: u64,
    pub counts: OAuthCounts,
    /// The `jti` of every JWT taken so far (client assertions, ID-JAGs): a second use is refused.
    pub seen_jti: std::collections::HashSet<String>,
}

impl OAuthState {
    pub fn client(&self, id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }

    /// Consume one use of the first queued fault for which `pick` is true.
    pub fn take_fault(&mut self, pick: impl Fn(&OAuthFault) -> bool) -> Option<OAuthFault> {
        let pos = self.faults.iter().position(pick)?;
        let fault = self.faults[pos].clone();
        let left = match &mut self.faults[pos] {
            OAuthFault::Status { count, .. }
            | OAuthFault::Slow { count, .. }
            | OAuthFault::Raw { count, .. }
            | OAuthFault::RefreshInvalidGrant { count }
            | OAuthFault::InsufficientScope { count, .. } => {
                *count = count.saturating_sub(1);
                *count
            }
            _ => 0,
        };
        if left == 0 {
            self.faults.remove(pos);
        }
        Some(fault)
    }

    /// Store a record; returns its sequence number for [`OAuthState::finish`].
    pub fn record(&mut self, rec: OAuthRecord) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.records.len() >= MAX_RECORDS {
            self.records.pop_front();
        }
        self.records.push_back((seq, rec));
        seq
    }

    pub fn finish(&mut self, seq: u64, status: u16, fault: Option<&str>) {
        if let Some((_, r)) = self.records.iter_mut().find(|(s, _)| *s == seq) {
            r.status = status;
            if fault.is_some() {
                r.fault = fault.map(str::to_string);
            }
        }
    }

    /// Issue an access token (and a refresh token when `refresh`) for grant `g`.
    pub fn issue(&mut self, g: usize, ttl: Duration, refresh: bool) -> (String, Option<String>) {
        let access = format!("at_{}", random_hex(40));
        let grant = &mut self.grants[g];
        grant.access.push(Access { token: access.clone(), expires: Instant::now() + ttl, revoked: false });
        let rt = refresh.then(|| format!("rt_{}", random_hex(40)));
        if let Some(old) = grant.refresh.take() {
            grant.rotated.push(old);
        }
        grant.refresh = rt.clone();
        (access, rt)
    }

    pub fn new_grant(&mut self, client_id: &str, resource: &str, scope: &str) -> usize {
        self.grants.push(Grant {
            client_id: client_id.into(),
            resource: resource.into(),
            scope: scope.into(),
            refresh: None,
            rotated: Vec::new(),
            access: Vec::new(),
            revoked: false,
            user: None,
        });
        self.grants.len() - 1
    }

    /// The live grant and scope an access token belongs to, if it is valid now.
    pub fn access_scope(&self, token: &str) -> Option<&str> {
        let now = Instant::now();
        self.grants.iter().find_map(|g| {
            let a = g.access.iter().find(|a| a.token == token)?;
            (!g.revoked && !a.revoked && now < a.expires).then_some(g.scope.as_str())
        })
    }

    /// The person whose account an access token opens (valid or not).
    pub fn access_user(&self, token: &str) -> Option<&str> {
        self.grants.iter().find(|g| g.access.iter().any(|a| a.token == token))?.user.as_deref()
    }

    pub fn refresh_grant(&self, token: &str) -> Option<usize> {
        self.grants.iter().position(|g| !g.revoked && g.refresh.as_deref() == Some(token))
    }

    pub fn rotated_grant(&self, token: &str) -> Option<usize> {
        self.grants.iter().position(|g| g.rotated.iter().any(|t| t == token))
    }

    pub fn revoke_grant(&mut self, g: usize) {
        if let Some(grant) = self.grants.get_mut(g) {
            grant.revoked = true;
            grant.refresh = None;
        }
    }

    /// RFC 7009: revoke `token` if `client_id` owns it; unknown tokens are ignored.
    pub fn revoke(&mut self, client_id: &str, token: &str) {
        if let Some(g) = self.refresh_grant(token).filter(|&g| self.grants[g].client_id == client_id) {
            self.revoke_grant(g);
            return;
        }
        for grant in self.grants.iter_mut().filter(|g| g.client_id == client_id) {
            for a in grant.access.iter_mut().filter(|a| a.token == token) {
                a.revoked = true;
            }
        }
    }

    pub fn expire_access_tokens(&mut self) {
        let now = Instant::now();
        for a in self.grants.iter_mut().flat_map(|g| g.access.iter_mut()) {
            a.expires = a.expires.min(now);
        }
    }

    /// Age every unused code past its lifetime.
    pub fn expire_codes(&mut self) {
        let past = Instant::now().checked_sub(CODE_TTL + Duration::from_secs(1));
        for c in self.codes.values_mut() {
            c.created = past.unwrap_or(c.created);
        }
    }

    pub fn new_pending(&mut self, p: Pending) -> String {
        let id = p.id.clone();
        self.pending.push(p);
        id
    }

    pub fn new_code(&mut self, p: &Pending) -> String {
        let code = format!("ac_{}", random_hex(32));
        let c = Code {
            client_id: p.client_id.clone(),
            redirect_uri: p.redirect_uri.clone(),
            challenge: p.challenge.clone(),
            resource: p.resource.clone(),
            scope: p.scope.clone(),
            created: Instant::now(),
            used: false,
            user: p.user.clone(),
            grant: None,
        };
        self.codes.insert(code.clone(), c);
        code
    }
}
