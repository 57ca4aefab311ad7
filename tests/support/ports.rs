//! Ports for tests without the bind-drop-reuse race: a port held by a socket that is bound but
//! not listening. Connections to it are refused, no other test can take it meanwhile, and a
//! program that binds with SO_REUSEADDR (tokio does, on Unix) can still listen on it.

use std::net::{Ipv4Addr, SocketAddr};

use socket2::{Domain, Socket, Type};

/// A reserved port on 127.0.0.1; released when dropped.
#[derive(Debug)]
pub struct HeldPort {
    _socket: Socket,
    pub port: u16,
}

pub fn held_port() -> HeldPort {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    socket.set_reuse_address(true).expect("SO_REUSEADDR");
    socket.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into()).expect("bind 127.0.0.1:0");
    let port = socket.local_addr().expect("addr").as_socket().expect("an IP address").port();
    HeldPort { _socket: socket, port }
}

impl HeldPort {
    /// An MCP server URL on this port that refuses every connection.
    pub fn dead_server(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }
}
