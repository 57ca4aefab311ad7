//! Node.js peers run together in one process that has imported their packages once
//! (tests/peers/node/host.mjs), instead of each importing oidc-provider, the MCP SDK, express and
//! Better Auth anew: about 0.7 s of CPU per peer, some eighty peers a run. The host starts with
//! the first such peer and ends with the test binary (at its stdin's EOF); each peer's
//! connection to it is the peer's stdin, stdout and stderr. `AGENTVIEW_PEERS_HOST=0` starts every
//! peer as a process of its own instead (to compare, or to look at one peer alone).

use std::io::{BufRead, BufReader, Read};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use super::forkserver::{request, server};

/// Whether Node.js peers are hosted (the default) or spawned one by one.
pub fn enabled() -> bool {
    std::env::var("AGENTVIEW_PEERS_HOST").map_or(true, |v| v != "0")
}

/// A peer in the host: the connection that is its stdin, and word of the end of its output.
#[derive(Debug)]
pub struct Hosted {
    pub stream: UnixStream,
    ended: mpsc::Receiver<()>,
}

impl Hosted {
    /// End the peer (its stdin's EOF) and return once the host has closed its servers and cut
    /// their connections (it then closes the connection), so its ports are free.
    pub fn stop(self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
        let gone = self.ended.recv_timeout(Duration::from_secs(10));
        assert!(
            matches!(gone, Err(mpsc::RecvTimeoutError::Disconnected)),
            "the Node.js peer host did not close a peer's servers within 10 s"
        );
    }
}

/// Output of a hosted peer that says when whoever reads it is done with it (dropped at the
/// connection's end).
#[derive(Debug)]
pub struct Output {
    reader: BufReader<UnixStream>,
    _ended: mpsc::Sender<()>,
}

impl Read for Output {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.reader.read(buf)
    }
}

impl BufRead for Output {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.reader.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.reader.consume(amount)
    }
}

/// Run `command` (Node.js, `--import resolve.mjs`, a launcher script, its arguments and
/// environment) as a peer of the host of that Node.js: the peer, and its output (the lines of its
/// stdout and stderr).
pub fn spawn(command: &Command, script_dir: &Path, start_limit: Duration) -> std::io::Result<(Hosted, Output)> {
    let node = PathBuf::from(command.get_program());
    let mut args = command.get_args().map(|a| a.to_string_lossy().into_owned());
    let mut host = Command::new(&node);
    // The options before the launcher (the resolve hook) are the host's.
    let script = loop {
        let arg = args.next().expect("a launcher script");
        if !arg.starts_with("--") {
            break arg;
        }
        host.arg(arg);
        host.args(args.next());
    };
    host.arg(script_dir.join("host.mjs"));
    // Its environment is the launcher's but for what is a peer's own (PEER_CLIENTS, ...), which
    // each peer brings.
    host.envs(
        command
            .get_envs()
            .filter(|(k, _)| !k.to_string_lossy().starts_with("PEER_"))
            .filter_map(|(k, v)| Some((k, v?))),
    );
    let server = server(&node, host, start_limit)?;
    let (stream, reader) = request(&server, &script, args.collect(), command)?;
    let (tx, ended) = mpsc::channel();
    Ok((Hosted { stream, ended }, Output { reader, _ended: tx }))
}
