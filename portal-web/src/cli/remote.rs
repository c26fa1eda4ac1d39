//! Commands run by the process that owns the embedded database on behalf of other `billing`
//! processes (docs/adr/0018).
//!
//! The owner serves `POST /run` on a loopback port with a bearer token (both in the data
//! folder's `billing-server.json`, readable by its owner only). A request carries the command
//! line, the caller's working directory and, when the command reads standard input, its
//! bytes. The owner runs the command in a task of its own, so a caller killed mid-command does
//! not cancel it half-way, and streams the output back as frames: `[kind u8][length u32 BE]
//! [payload]`, with a heartbeat every few seconds so the caller can tell a slow command from a
//! dead owner.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use clap::Parser;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, mpsc};

use super::output::{Frame, Out};
use super::{Cli, Ctx, Shared};
use crate::db::embedded::ServerInfo;

/// How often the owner says it is alive while a command runs.
const HEARTBEAT: Duration = Duration::from_secs(2);
/// A caller gives up when the owner says nothing for this long (it died or hangs).
const SILENCE_LIMIT: Duration = Duration::from_secs(30);

const KIND_STDOUT: u8 = 1;
const KIND_STDERR: u8 = 2;
const KIND_EXIT: u8 = 3;
const KIND_HEARTBEAT: u8 = 4;

/// A command sent to the owner.
#[derive(Debug, Serialize, Deserialize)]
pub struct RemoteRequest {
    /// The arguments after the program name, as typed.
    pub args: Vec<String>,
    /// The caller's working directory: relative paths in the command are relative to it.
    pub cwd: PathBuf,
    /// Standard input, for commands that read it (`--file -`).
    pub stdin: Option<Vec<u8>>,
    /// The caller's language for messages.
    pub lang: String,
    /// The caller's operating-system user (recorded as who ran an invoice run).
    #[serde(default)]
    pub user: String,
}

impl Frame {
    fn encode(&self) -> Bytes {
        let (kind, payload): (u8, Vec<u8>) = match self {
            Frame::Stdout(b) => (KIND_STDOUT, b.clone()),
            Frame::Stderr(b) => (KIND_STDERR, b.clone()),
            Frame::Exit { code, error } => (
                KIND_EXIT,
                serde_json::to_vec(&serde_json::json!({ "code": code, "error": error })).unwrap_or_default(),
            ),
            Frame::Heartbeat => (KIND_HEARTBEAT, Vec::new()),
        };
        let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
        let mut out = Vec::with_capacity(5 + payload.len());
        out.push(kind);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&payload);
        Bytes::from(out)
    }

    /// Takes one whole frame off the front of `buf`, if one is there.
    fn decode(buf: &mut Vec<u8>) -> anyhow::Result<Option<Frame>> {
        if buf.len() < 5 {
            return Ok(None);
        }
        let len = u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]) as usize;
        if buf.len() < 5 + len {
            return Ok(None);
        }
        let kind = buf[0];
        let payload: Vec<u8> = buf.drain(..5 + len).skip(5).collect();
        Ok(Some(match kind {
            KIND_STDOUT => Frame::Stdout(payload),
            KIND_STDERR => Frame::Stderr(payload),
            KIND_EXIT => {
                let v: serde_json::Value = serde_json::from_slice(&payload)?;
                Frame::Exit {
                    code: v["code"].as_u64().and_then(|c| u8::try_from(c).ok()).unwrap_or(1),
                    error: v["error"].as_str().map(str::to_string),
                }
            }
            KIND_HEARTBEAT => Frame::Heartbeat,
            other => anyhow::bail!("unknown frame kind {other}"),
        }))
    }
}

/// The owner's side: the endpoint and the commands in flight.
pub struct OpsServer {
    inflight: Arc<Inflight>,
    stop: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct Inflight {
    count: AtomicUsize,
    idle: Notify,
}

struct InflightGuard(Arc<Inflight>);

impl Drop for InflightGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

#[derive(Clone)]
struct OpsState {
    shared: Arc<Shared>,
    token_digest: [u8; 32],
    inflight: Arc<Inflight>,
}

impl OpsServer {
    /// Serves the endpoint on a loopback port; returns it with its URL and token.
    pub async fn start(shared: Arc<Shared>) -> anyhow::Result<(Self, String, String)> {
        let token = random_token();
        let inflight = Arc::new(Inflight::default());
        let state =
            OpsState { shared, token_digest: Sha256::digest(token.as_bytes()).into(), inflight: inflight.clone() };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let stop = Arc::new(Notify::new());
        let app = Router::new().route("/run", post(run_command)).with_state(state);
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).with_graceful_shutdown(async move { stopped.notified().await }).await;
        });
        Ok((Self { inflight, stop, task }, url, token))
    }

    /// Stops taking commands and waits for the ones in flight to finish.
    pub async fn drain(self) {
        self.stop.notify_one();
        // The graceful shutdown ends when every request taken has been answered (a streamed
        // answer ends with its command); bounded, so a stuck connection cannot keep us here.
        let _ = tokio::time::timeout(Duration::from_secs(60), self.task).await;
        // Commands whose caller went away run on without a connection: wait for those too.
        loop {
            let idle = self.inflight.idle.notified();
            tokio::pin!(idle);
            // Registered before the count is read, so a command ending in between still wakes us.
            idle.as_mut().enable();
            if self.inflight.count.load(Ordering::SeqCst) == 0 {
                break;
            }
            idle.await;
        }
    }
}

fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn run_command(State(state): State<OpsState>, headers: HeaderMap, body: Bytes) -> Response {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compare digests, so the time taken says nothing about the token.
    let given: [u8; 32] = Sha256::digest(given.as_bytes()).into();
    if given != state.token_digest {
        return (StatusCode::UNAUTHORIZED, "bad token").into_response();
    }
    let Ok(request) = serde_json::from_slice::<RemoteRequest>(&body) else {
        return (StatusCode::BAD_REQUEST, "not a command").into_response();
    };
    let (tx, rx) = mpsc::unbounded_channel::<Frame>();
    state.inflight.count.fetch_add(1, Ordering::SeqCst);
    let guard = InflightGuard(state.inflight.clone());
    let shared = state.shared.clone();
    // Its own task: if the caller dies, the command still runs to its end (and its output is
    // dropped), instead of being cancelled in the middle of a transaction.
    tokio::spawn(async move {
        let _guard = guard;
        let out = Out::remote(tx.clone());
        let result = run_parsed(shared, request, out).await;
        let frame = match result {
            Ok(()) => Frame::Exit { code: 0, error: None },
            Err(e) => Frame::Exit { code: 1, error: Some(format!("{e:#}")) },
        };
        let _ = tx.send(frame);
    });
    let stream = futures_util::stream::unfold(Some(rx), |rx| async move {
        let mut rx = rx?;
        match tokio::time::timeout(HEARTBEAT, rx.recv()).await {
            Ok(Some(frame)) => {
                let done = matches!(frame, Frame::Exit { .. });
                Some((Ok::<_, Infallible>(frame.encode()), (!done).then_some(rx)))
            }
            Ok(None) => None,
            Err(_) => Some((Ok(Frame::Heartbeat.encode()), Some(rx))),
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn run_parsed(shared: Arc<Shared>, request: RemoteRequest, out: Out) -> anyhow::Result<()> {
    let cli = Cli::try_parse_from(std::iter::once("billing".to_string()).chain(request.args))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let lang = super::cli_language(Some(&request.lang));
    let ctx = Ctx { shared, lang, out, cwd: request.cwd, stdin: request.stdin, user: request.user };
    super::dispatch(cli.command, &ctx).await
}

/// How a remote attempt ended.
pub enum Outcome {
    /// The owner ran the command; `Err` carries its error text.
    Ran(anyhow::Result<()>),
    /// The owner did not take the command (it is stopping, or gone): try again.
    NotTaken,
}

/// The caller's side: sends the command and relays its output until it ends.
pub async fn call(info: &ServerInfo, request: &RemoteRequest) -> anyhow::Result<Outcome> {
    let http = reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).build()?;
    let sent = http.post(format!("{}/run", info.ops_url)).bearer_auth(&info.token).json(request).send().await;
    let mut response = match sent {
        Ok(r) if r.status().is_success() => r,
        Ok(r) if r.status() == StatusCode::UNAUTHORIZED => {
            anyhow::bail!("the billing process {} refused this command (its token changed); try again", info.pid)
        }
        Ok(r) => anyhow::bail!("the billing process {} answered {}", info.pid, r.status()),
        // Not started: connection refused or reset before the owner took the command.
        Err(_) => return Ok(Outcome::NotTaken),
    };
    let mut buf = Vec::new();
    loop {
        let chunk = match tokio::time::timeout(SILENCE_LIMIT, response.chunk()).await {
            Ok(Ok(Some(chunk))) => chunk,
            Ok(Ok(None)) | Ok(Err(_)) => {
                return Ok(Outcome::Ran(Err(anyhow::anyhow!(
                    "the billing process {} that owns the data folder stopped during the command; \
                     check with `billing runs list` or the API what it completed",
                    info.pid
                ))));
            }
            Err(_) => {
                return Ok(Outcome::Ran(Err(anyhow::anyhow!(
                    "the billing process {} that owns the data folder stopped answering",
                    info.pid
                ))));
            }
        };
        buf.extend_from_slice(&chunk);
        while let Some(frame) = Frame::decode(&mut buf)? {
            match frame {
                Frame::Stdout(b) => Out::local().write(&b),
                Frame::Stderr(b) => {
                    use std::io::Write;
                    let _ = std::io::stderr().write_all(&b);
                }
                Frame::Heartbeat => {}
                Frame::Exit { code: 0, .. } => return Ok(Outcome::Ran(Ok(()))),
                Frame::Exit { error, .. } => {
                    return Ok(Outcome::Ran(Err(anyhow::anyhow!(
                        "{}",
                        error.unwrap_or_else(|| "the command failed".into())
                    ))));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_survive_the_wire_in_any_chunking() {
        let frames = vec![
            Frame::Stdout(b"hello\n".to_vec()),
            Frame::Heartbeat,
            Frame::Stderr(b"warn\n".to_vec()),
            Frame::Stdout(vec![0, 159, 255]),
            Frame::Exit { code: 1, error: Some("kaputt".into()) },
        ];
        let wire: Vec<u8> = frames.iter().flat_map(|f| f.encode().to_vec()).collect();
        for split in [1, 2, 5, 7, wire.len()] {
            let mut buf = Vec::new();
            let mut got = Vec::new();
            for chunk in wire.chunks(split) {
                buf.extend_from_slice(chunk);
                while let Some(f) = Frame::decode(&mut buf).unwrap() {
                    got.push(f);
                }
            }
            assert_eq!(got, frames, "chunks of {split}");
            assert!(buf.is_empty());
        }
    }
}
