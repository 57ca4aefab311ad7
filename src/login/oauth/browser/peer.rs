//! Whose connection reached the loopback listener. Every local user can read the browser's argv
//! and so the address it was handed; the listener serves only the user agentview runs as. Linux
//! names the owner of each TCP socket in /proc/net/tcp and /proc/net/tcp6: the row whose local
//! address is the connection's peer and whose remote address is the listener is the connecting
//! socket, and its `uid` column is the user who opened it.

use std::net::SocketAddr;

/// Who opened the socket on the other end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// The user agentview runs as.
    Same,
    /// Another local user (their uid).
    Other(u32),
    /// Nobody could say (why not); refused, see [`owner`].
    Unknown(String),
    /// This system offers no check; served (README, Security: what protects these systems).
    Unchecked,
}

impl Owner {
    /// Whether the listener may serve this connection.
    pub fn served(&self) -> bool {
        matches!(self, Owner::Same | Owner::Unchecked)
    }
}

/// The owner of the socket that connected from `peer` to the listener at `local`.
///
/// An owner that cannot be determined is refused (fail closed): an attacker who could make the
/// lookup fail would otherwise get the whole attack back, and that is cheap. A socket closed
/// right after sending its request (a callback needs no answer) leaves a row with no owner
/// (uid 0, inode 0, the kernel's time-wait entries), and enough sockets push the row past any
/// bound on how much of the table is read. The person's own browser keeps its connection open
/// for the answer, so its row is always there; where /proc is missing altogether the login
/// still finishes with the redirect pasted on stdin (`--no-browser`).
pub fn owner(local: SocketAddr, peer: SocketAddr) -> Owner {
    #[cfg(target_os = "linux")]
    {
        linux::owner(local, peer)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (local, peer);
        Owner::Unchecked
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io::{BufReader, ErrorKind};
    use std::net::SocketAddr;

    use super::Owner;

    /// The IPv4 table, then the IPv6 one (where a dual-stack socket shows up, its addresses
    /// IPv4-mapped); the second is missing where IPv6 is off.
    const TABLES: [&str; 2] = ["/proc/net/tcp", "/proc/net/tcp6"];

    pub(super) fn owner(local: SocketAddr, peer: SocketAddr) -> Owner {
        let me = rustix::process::geteuid().as_raw();
        // The kernel lists the tables a bucket at a time while sockets come and go, and a row
        // can slip past one reading: a second one costs little.
        let mut why = String::new();
        for _ in 0..2 {
            match lookup(local, peer) {
                Ok(uid) if uid == me => return Owner::Same,
                Ok(uid) => return Owner::Other(uid),
                Err(Missing::Row(w)) => why = w,
                Err(Missing::Table(w)) => return Owner::Unknown(w),
            }
        }
        Owner::Unknown(why)
    }

    enum Missing {
        /// Not listed (perhaps yet).
        Row(String),
        /// The tables cannot be read.
        Table(String),
    }

    fn lookup(local: SocketAddr, peer: SocketAddr) -> Result<u32, Missing> {
        let mut readable = 0;
        for path in TABLES {
            let file = match std::fs::File::open(path) {
                Ok(file) => file,
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => return Err(Missing::Table(format!("cannot read {path}: {e}"))),
            };
            readable += 1;
            match find_owner(BufReader::new(file), local, peer) {
                Ok(Some(uid)) => return Ok(uid),
                Ok(None) => {}
                Err(why) => return Err(Missing::Table(format!("{path}: {why}"))),
            }
        }
        Err(if readable == 0 {
            Missing::Table("there is no /proc/net/tcp to ask".into())
        } else {
            Missing::Row("the connecting socket is not listed in /proc/net/tcp (closed already?)".into())
        })
    }

    /// Largest socket table read (a table this size lists some 200 000 sockets).
    const MAX_TABLE: u64 = 32 * 1024 * 1024;
    /// Longest line of a table (the kernel writes about 150 bytes).
    const MAX_LINE: u64 = 512;

    /// One row of /proc/net/tcp or /proc/net/tcp6.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) struct Row {
        pub local: SocketAddr,
        pub remote: SocketAddr,
        pub uid: u32,
        /// 0 for a socket no process holds any more (closed, waiting out its time-wait).
        pub inode: u64,
    }

    /// A row, or None for the header and anything malformed. IPv4-mapped IPv6 addresses come back
    /// as IPv4, as the listener sees them.
    pub(super) fn parse_row(line: &str) -> Option<Row> {
        let mut fields = line.split_ascii_whitespace();
        let slot = fields.next()?;
        if !slot.ends_with(':') {
            return None;
        }
        let local = parse_address(fields.next()?)?;
        let remote = parse_address(fields.next()?)?;
        // st, tx_queue:rx_queue, tr:tm->when, retrnsmt, then uid; timeout, then inode.
        let mut rest = fields.skip(4);
        let uid = rest.next()?.parse().ok()?;
        let inode = rest.nth(1)?.parse().ok()?;
        Some(Row { local, remote, uid, inode })
    }

    /// `0100007F:A5F2` or `0000000000000000FFFF00000100007F:A5F2`: the address as 32-bit words
    /// printed `%08X` in the machine's byte order, then the port `%04X`.
    pub(super) fn parse_address(field: &str) -> Option<SocketAddr> {
        let (ip, port) = field.split_once(':')?;
        let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
        if port.len() != 4 || !hex(port) || !hex(ip) {
            return None;
        }
        let port = u16::from_str_radix(port, 16).ok()?;
        let word = |i: usize| -> Option<[u8; 4]> {
            Some(u32::from_str_radix(ip.get(i * 8..i * 8 + 8)?, 16).ok()?.to_ne_bytes())
        };
        let ip = match ip.len() {
            8 => std::net::IpAddr::from(word(0)?),
            32 => {
                let mut octets = [0u8; 16];
                for (i, chunk) in octets.chunks_exact_mut(4).enumerate() {
                    chunk.copy_from_slice(&word(i)?);
                }
                std::net::IpAddr::from(octets)
            }
            _ => return None,
        };
        Some(SocketAddr::new(ip.to_canonical(), port))
    }

    /// The uid of the live socket connected from `peer` to `local` in one table; rows of sockets
    /// no process holds (inode 0) name no owner and are passed over.
    pub(super) fn find_owner(
        table: impl std::io::BufRead,
        local: SocketAddr,
        peer: SocketAddr,
    ) -> Result<Option<u32>, String> {
        use std::io::{BufRead, Read};
        let canonical = |a: SocketAddr| SocketAddr::new(a.ip().to_canonical(), a.port());
        let (local, peer) = (canonical(local), canonical(peer));
        let mut table = table.take(MAX_TABLE);
        let mut line = Vec::new();
        let mut read = 0u64;
        loop {
            line.clear();
            let n = (&mut table).take(MAX_LINE).read_until(b'\n', &mut line).map_err(|e| e.to_string())?;
            if n == 0 {
                if read >= MAX_TABLE {
                    return Err(format!("the socket table is larger than {} MiB", MAX_TABLE / (1024 * 1024)));
                }
                return Ok(None);
            }
            read += n as u64;
            if line.last() != Some(&b'\n') && n as u64 == MAX_LINE {
                return Err("the socket table has a line longer than any the kernel writes".into());
            }
            let row = std::str::from_utf8(&line).ok().and_then(parse_row);
            if let Some(row) = row.filter(|r| r.local == peer && r.remote == local && r.inode != 0) {
                return Ok(Some(row.uid));
            }
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
#[path = "peer_tests.rs"]
mod tests;
