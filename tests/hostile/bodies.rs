//! Bodies that are too big or not UTF-8: refused early, with bounded memory.

use super::support::cli::Agentview;
use super::support::server::{Fault, Match};
use super::{CREATE, check_all, check_run, hostile, raw_server, tool};

const SIXTY_FOUR_MIB: usize = 64 * 1024 * 1024;

fn huge(on: Match, content_type: &str) -> Fault {
    Fault::Huge { on, content_type: content_type.into(), len: SIXTY_FOUR_MIB, count: 1 }
}

#[test]
fn huge_bodies_are_refused_at_one_mib() {
    let cases = vec![
        hostile("64 MiB JSON at create", vec![huge(tool(CREATE), "application/json")], 7, "larger than 1 MiB"),
        hostile("64 MiB SSE at create", vec![huge(tool(CREATE), "text/event-stream")], 7, "larger than 1 MiB"),
        hostile("64 MiB JSON at initialize", vec![huge(super::method("initialize"), "application/json")], 7, "1 MiB"),
    ];
    check_all(cases);
}

/// Peak resident memory of a running process (VmHWM), in KiB.
#[cfg(target_os = "linux")]
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Linux: the peak is read from /proc.
#[cfg(target_os = "linux")]
#[test]
fn memory_stays_bounded_while_refusing_a_huge_body() {
    use std::time::Duration;

    use super::support::cli::wait_until;
    use super::support::fixture::Live;
    use super::support::server::{ServerConfig, TestServer};

    if !std::path::Path::new("/proc/self/status").exists() {
        return;
    }
    let server = TestServer::start(ServerConfig::default());
    server.push_fault(huge(tool(CREATE), "application/json"));
    // Keep the process alive after the refusal so its peak can be read before it exits.
    server.push_fault(Fault::Slow { on: Match::HttpDelete, delay: Duration::from_millis(1500), count: 1 });
    let av = Agentview::new(&server.mcp_url());
    let live = Live::start(&av, &["login", "--no-browser"]);
    let mut peak = 0;
    wait_until("the refusal", Duration::from_secs(20), || {
        if let Some(kib) = peak_kib(live.pid()) {
            peak = peak.max(kib);
        }
        live.stderr().contains("error:").then_some(())
    });
    if let Some(kib) = peak_kib(live.pid()) {
        peak = peak.max(kib);
    }
    let run = live.finish(Duration::from_secs(20));
    check_run("memory", &run, 7, "larger than 1 MiB");
    assert!(peak > 0, "read the peak memory");
    assert!(peak < 40 * 1024, "peak resident memory {peak} KiB: the 64 MiB body was buffered");
}

fn bad_utf8_json(method: &str, id: &str) -> Option<(u16, &'static str, Vec<u8>)> {
    (method == "tools/call").then(|| {
        let mut body = format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{"x":""#).into_bytes();
        body.extend_from_slice(b"\xff\xfe\xc3\x28");
        body.extend_from_slice(b"\"}}");
        (200, "application/json", body)
    })
}

fn bad_utf8_sse(method: &str, id: &str) -> Option<(u16, &'static str, Vec<u8>)> {
    (method == "tools/call").then(|| {
        let mut body = format!(r#"data: {{"jsonrpc":"2.0","id":{id},"result":{{"x":""#).into_bytes();
        body.extend_from_slice(b"\xed\xa0\x80");
        body.extend_from_slice(b"\"}}\n\n");
        (200, "text/event-stream", body)
    })
}

fn bad_utf8_initialize(method: &str, _id: &str) -> Option<(u16, &'static str, Vec<u8>)> {
    (method == "initialize").then(|| (200, "application/json", b"\x80\x81{}".to_vec()))
}

#[test]
fn invalid_utf8_is_refused() {
    let cases: [(&str, raw_server::Answer, &str); 3] = [
        ("invalid UTF-8 in JSON", bad_utf8_json, "the response is not valid UTF-8"),
        ("invalid UTF-8 in SSE", bad_utf8_sse, "the event stream is not valid UTF-8"),
        ("invalid UTF-8 at initialize", bad_utf8_initialize, "not valid UTF-8"),
    ];
    for (name, answer, says) in cases {
        let url = raw_server::start(answer);
        let av = Agentview::new(&url);
        let run = av.run(&["login", "--no-browser"]);
        check_run(name, &run, 7, says);
        assert!(!av.credentials_file().exists(), "{name}: nothing stored");
    }
}
