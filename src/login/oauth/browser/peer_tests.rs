//! Tests of `peer.rs`: reading /proc/net/tcp and /proc/net/tcp6, and the owner of real
//! connections on this machine.

use std::io::{Cursor, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};

use super::linux::{Row, find_owner, parse_address, parse_row};
use super::*;

fn v4(a: [u8; 4], port: u16) -> SocketAddr {
    SocketAddr::from((a, port))
}

/// An address as the kernel prints it on this machine: 32-bit words of the address read in the
/// machine's byte order, `%08X`, then `:%04X` of the port.
fn kernel(addr: SocketAddr) -> String {
    let octets = match addr.ip() {
        IpAddr::V4(ip) => ip.octets().to_vec(),
        IpAddr::V6(ip) => ip.octets().to_vec(),
    };
    let words: String =
        octets.chunks_exact(4).map(|w| format!("{:08X}", u32::from_ne_bytes([w[0], w[1], w[2], w[3]]))).collect();
    format!("{words}:{:04X}", addr.port())
}

/// A row as the kernel writes it.
fn row(local: &str, remote: &str, uid: u32, inode: u64) -> String {
    format!(
        "  12: {local} {remote} 01 00000000:00000000 00:00000000 00000000 {uid:>5}        0 {inode} 1 0000000000000000 20 4 30 10 -1\n"
    )
}

const HEADER: &str =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

#[cfg(target_endian = "little")]
#[test]
fn rows_as_a_little_endian_kernel_writes_them() {
    let ipv4 = "   1: 0100007F:A5F2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 20 4 30 10 -1";
    let expected = Row { local: v4([127, 0, 0, 1], 42482), remote: v4([127, 0, 0, 1], 8080), uid: 1000, inode: 4242 };
    assert_eq!(parse_row(ipv4), Some(expected));
    let ipv6 = "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 24125 1 0000000000000000 100 0 0 10 0";
    let row = parse_row(ipv6).expect("an IPv6 row");
    assert_eq!(row.local, SocketAddr::from((Ipv6Addr::LOCALHOST, 8080)));
    assert_eq!(row.remote, SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)));
    assert_eq!((row.uid, row.inode), (0, 24125));
    // A dual-stack socket connected to 127.0.0.1 is listed in tcp6 with IPv4-mapped addresses.
    let mapped = parse_address("0000000000000000FFFF00000100007F:A5F2").expect("mapped");
    assert_eq!(mapped, v4([127, 0, 0, 1], 42482));
}

#[test]
fn addresses_in_either_family_read_back() {
    let addresses = [
        v4([127, 0, 0, 1], 1),
        v4([10, 1, 2, 3], 65535),
        v4([0, 0, 0, 0], 0),
        SocketAddr::from((Ipv6Addr::LOCALHOST, 443)),
        SocketAddr::from((Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0xab, 0xcdef), 8765)),
    ];
    for address in addresses {
        assert_eq!(parse_address(&kernel(address)), Some(address), "{}", kernel(address));
    }
    let mapped = SocketAddr::from((Ipv4Addr::LOCALHOST.to_ipv6_mapped(), 5000));
    assert_eq!(parse_address(&kernel(mapped)), Some(v4([127, 0, 0, 1], 5000)), "IPv4-mapped reads as IPv4");
}

#[test]
fn malformed_lines_are_no_rows() {
    let good = kernel(v4([127, 0, 0, 1], 8080));
    assert!(parse_row(&row(&good, &good, 1000, 7)).is_some(), "the control case parses");
    for line in [
        HEADER.to_string(),
        String::new(),
        "   1:".to_string(),
        format!("   1 {good} {good} 01 00000000:00000000 00:00000000 00000000  1000 0 7"),
        format!("   1: {good} {good} 01 00000000:00000000 00:00000000 00000000  1000"),
        format!("   1: {good} {good} 01 00000000:00000000 00:00000000 00000000  1000 0"),
        row(&good, &good, 1000, 7).replace(" 1000 ", " -1 "),
        row(&good, &good, 1000, 7).replace(" 7 1 ", " x 1 "),
        row("0100007G:1F90", &good, 1000, 7),
        row("+100007F:1F90", &good, 1000, 7),
        row("0100007F:+F90", &good, 1000, 7),
        row("0100007F:1F9", &good, 1000, 7),
        row("0100007F:01F90", &good, 1000, 7),
        row("0100007F1F90", &good, 1000, 7),
        row("0100007F00000000:1F90", &good, 1000, 7),
        row("0100007é:1F90", &good, 1000, 7),
        row("000000000000000000000000010000é0:1F90", &good, 1000, 7),
    ] {
        assert_eq!(parse_row(&line), None, "{line:?}");
    }
}

#[test]
fn the_owner_is_the_live_connecting_socket() {
    let listener = v4([127, 0, 0, 1], 41000);
    let peer = v4([127, 0, 0, 1], 52000);
    let (l, p) = (kernel(listener), kernel(peer));
    let table = [
        HEADER.to_string(),
        row(&l, "00000000:0000", 0, 100),
        // The listener's own end of the connection.
        row(&l, &p, 0, 101),
        // Another connection to the listener.
        row(&kernel(v4([127, 0, 0, 1], 52001)), &l, 1001, 102),
        // An earlier connection from the same port, closed: no owner to speak of.
        row(&p, &l, 0, 0),
        row(&p, &l, 1000, 103),
    ]
    .concat();
    assert_eq!(find_owner(Cursor::new(table.clone()), listener, peer), Ok(Some(1000)));
    assert_eq!(find_owner(Cursor::new(table), listener, v4([127, 0, 0, 1], 52002)), Ok(None));
    let closed = [HEADER.to_string(), row(&p, &l, 0, 0)].concat();
    assert_eq!(find_owner(Cursor::new(closed), listener, peer), Ok(None), "a closed socket names no owner");
    let mapped =
        |a: SocketAddr| kernel(SocketAddr::new(IpAddr::V6(Ipv4Addr::new(127, 0, 0, 1).to_ipv6_mapped()), a.port()));
    let dual_stack = [HEADER.to_string(), row(&mapped(peer), &mapped(listener), 1002, 104)].concat();
    assert_eq!(find_owner(Cursor::new(dual_stack), listener, peer), Ok(Some(1002)));
}

/// A socket table that never ends: the same row, over and over.
struct Endless(Vec<u8>, usize);

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            buf[n] = self.0[self.1 % self.0.len()];
            self.1 += 1;
            n += 1;
        }
        Ok(n)
    }
}

#[test]
fn reading_is_bounded() {
    let (listener, peer) = (v4([127, 0, 0, 1], 41000), v4([127, 0, 0, 1], 52000));
    let other = kernel(v4([127, 0, 0, 1], 9));
    let rows = std::io::BufReader::new(Endless(row(&other, &other, 1000, 5).into_bytes(), 0));
    let error = find_owner(rows, listener, peer).expect_err("an endless table");
    assert!(error.contains("larger than"), "{error}");
    let long_line = std::io::BufReader::new(Endless(b"x".to_vec(), 0));
    let error = find_owner(long_line, listener, peer).expect_err("an endless line");
    assert!(error.contains("longer than"), "{error}");
}

#[test]
fn a_connection_of_this_user_is_its_own() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let _client = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
    let (accepted, peer) = listener.accept().expect("accept");
    let local = accepted.local_addr().expect("local");
    assert_eq!(owner(local, peer), Owner::Same);
    assert!(owner(local, peer).served());
    // Nothing connected from here: no owner, refused.
    let nobody = v4([127, 0, 0, 1], peer.port().wrapping_add(1).max(1));
    assert!(matches!(owner(local, nobody), Owner::Unknown(_)), "{:?}", owner(local, nobody));
    assert!(!owner(local, nobody).served());
    // A dual-stack socket, where the machine has IPv6: listed in tcp6, IPv4-mapped.
    let mapped = SocketAddr::from((Ipv4Addr::LOCALHOST.to_ipv6_mapped(), local.port()));
    if let Ok(_client) = TcpStream::connect(mapped) {
        let (accepted, peer) = listener.accept().expect("accept");
        assert_eq!(owner(accepted.local_addr().expect("local"), peer), Owner::Same);
    }
}
