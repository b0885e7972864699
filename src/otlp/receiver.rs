//! The receiver shared by OTLP/HTTP and OTLP/gRPC: authenticate the token,
//! take a place in the bounded write queue, decode, check and store, and
//! answer only after the commit.
//!
//! Writes are group-committed: one writer at a time takes every batch
//! waiting in the queue and stores them in one transaction
//! ([`write::ingest_all`]), so that a burst of requests costs one WAL write
//! and one `fsync` instead of one each. Each request is answered after that
//! commit, with what was done with its own spans.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use crate::otlp::validate::prepare;
use crate::otlp::{ExportTraceServiceRequest, ExportTraceServiceResponse, Failure, reply};
use crate::store::Store;
use crate::store::traces::write::Stored;
use crate::store::traces::{Limits, NewBatch, tokens, write};

/// Requests decoded and written at once (default of [`Settings::queue`]).
pub const QUEUE: usize = 16;
/// Seconds between two passes of [`Receiver::maintain`] (10 minutes).
pub const MAINTAIN_EVERY_SECS: u64 = 600;

/// Where and how the receiver runs (`spandojo serve --otlp-…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// OTLP/HTTP listener (`--otlp-http-addr`, default 127.0.0.1:4318; None: off).
    /// `POST /v1/traces` is also served on the main address.
    pub http_addr: Option<SocketAddr>,
    /// OTLP/gRPC listener (`--otlp-grpc-addr`, default 127.0.0.1:4317; None: off).
    pub grpc_addr: Option<SocketAddr>,
    /// What each member may keep.
    pub limits: Limits,
    /// Requests decoded and written at once; one more gets 503 with
    /// `Retry-After` (0 refuses every request, for tests).
    pub queue: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            http_addr: Some(SocketAddr::from(([127, 0, 0, 1], 4318))),
            grpc_addr: Some(SocketAddr::from(([127, 0, 0, 1], 4317))),
            limits: Limits::default(),
            queue: QUEUE,
        }
    }
}

/// Parses a listener address: `host:port`, or `off` for none.
pub fn parse_addr(value: &str) -> Result<Option<SocketAddr>, String> {
    if value.trim().eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    value
        .trim()
        .parse()
        .map(Some)
        .map_err(|_| format!("{value:?} is not an address like 127.0.0.1:4318, nor `off`"))
}

/// The receiver; cheap to clone.
#[derive(Clone)]
pub struct Receiver {
    store: Store,
    limits: Limits,
    queue: Arc<Semaphore>,
    writer: Arc<Semaphore>,
    pending: Arc<Mutex<Vec<Job>>>,
    fair_share: usize,
    in_flight: Arc<Mutex<HashMap<i64, usize>>>,
}

/// A decoded batch waiting for the next group commit, and where its
/// outcome goes (None: the transaction failed).
struct Job {
    user_id: i64,
    batch: NewBatch,
    done: oneshot::Sender<Option<Stored>>,
}

/// A member's place in the queue; released on drop.
struct Place {
    _permit: OwnedSemaphorePermit,
    user_id: i64,
    in_flight: Arc<Mutex<HashMap<i64, usize>>>,
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Ok(mut map) = self.in_flight.lock()
            && let Some(n) = map.get_mut(&self.user_id)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.user_id);
            }
        }
    }
}

impl Receiver {
    /// A receiver writing to `store` with `settings`' limits and queue. One
    /// member may hold at most half of the queue (at least one place), so a
    /// member's flood gets 429 while others still get through.
    pub fn new(store: Store, settings: &Settings) -> Receiver {
        Receiver {
            store,
            limits: settings.limits,
            queue: Arc::new(Semaphore::new(settings.queue)),
            writer: Arc::new(Semaphore::new(1)),
            pending: Arc::default(),
            fair_share: settings.queue.div_ceil(2).max(1),
            in_flight: Arc::default(),
        }
    }

    /// The member whose live token `token` is; [`Failure::Unauthenticated`]
    /// when there is none, it is unknown or revoked.
    pub async fn authenticate(&self, token: Option<&str>) -> Result<i64, Failure> {
        let Some(token) = token.map(str::to_string) else {
            return Err(Failure::Unauthenticated);
        };
        if token.len() > 256 {
            return Err(Failure::Unauthenticated);
        }
        let now = crate::clock::now();
        match self
            .store
            .call(move |c| tokens::authenticate(c, &token, now))
            .await
        {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(Failure::Unauthenticated),
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "cannot check an ingest token");
                Err(Failure::Unavailable)
            }
        }
    }

    /// A place in the write queue for `user_id`: [`Failure::Busy`] when the
    /// queue is full, [`Failure::Throttled`] when the member holds their share.
    fn enter(&self, user_id: i64) -> Result<Place, Failure> {
        let permit = self
            .queue
            .clone()
            .try_acquire_owned()
            .map_err(|_| Failure::Busy)?;
        let mut map = self.in_flight.lock().map_err(|_| Failure::Unavailable)?;
        let n = map.entry(user_id).or_insert(0);
        if *n >= self.fair_share {
            return Err(Failure::Throttled);
        }
        *n += 1;
        Ok(Place {
            _permit: permit,
            user_id,
            in_flight: self.in_flight.clone(),
        })
    }

    /// Stores the spans of a request already decoded (gRPC) for `user_id`.
    pub async fn export(
        &self,
        user_id: i64,
        request: ExportTraceServiceRequest,
    ) -> Result<ExportTraceServiceResponse, Failure> {
        crate::otlp::decode::check_count(crate::otlp::decode::span_count(&request))?;
        let place = self.enter(user_id)?;
        self.write(user_id, move || Ok(request), place).await
    }

    /// Decodes a body (after its `Content-Encoding`) and stores its spans for
    /// `user_id` (OTLP/HTTP).
    pub async fn export_body(
        &self,
        user_id: i64,
        body: Vec<u8>,
        content_encoding: Option<String>,
        encoding: crate::otlp::Encoding,
    ) -> Result<ExportTraceServiceResponse, Failure> {
        let place = self.enter(user_id)?;
        self.write(
            user_id,
            move || {
                let body = crate::otlp::decode::content_decoded(
                    &body,
                    content_encoding.as_deref(),
                    crate::otlp::MAX_BODY_BYTES,
                )?;
                crate::otlp::decode::request(&body, encoding)
            },
            place,
        )
        .await
    }

    async fn write(
        &self,
        user_id: i64,
        decode: impl FnOnce() -> Result<ExportTraceServiceRequest, Failure> + Send + 'static,
        place: Place,
    ) -> Result<ExportTraceServiceResponse, Failure> {
        let limits = self.limits;
        // Decoding and checking need no connection: they run on the blocking
        // pool first, so that the database's connections serve only writes
        // (at most WRITERS at once) and the pages stay responsive.
        let decoded = tokio::task::spawn_blocking(move || decode().map(prepare)).await;
        let prepared = match decoded {
            Ok(Ok(p)) => p,
            Ok(Err(f)) => return Err(f),
            Err(err) => {
                tracing::error!(error = %err, "an OTLP decoding task failed");
                return Err(Failure::Unavailable);
            }
        };
        let (batch, mut reasons, rejected) = (prepared.batch, prepared.reasons, prepared.rejected);
        let stored = self.commit(user_id, batch).await;
        drop(place);
        let stored = stored?;
        if stored.over_trace_cap > 0 {
            reasons.push(format!(
                "{} spans over the cap of {} spans per trace were dropped",
                stored.over_trace_cap, limits.max_spans_per_trace
            ));
        }
        let rejected = rejected + stored.over_trace_cap;
        let message = if rejected == 0 {
            String::new()
        } else {
            format!("{rejected} spans rejected: {}", reasons.join("; "))
        };
        Ok(reply::response(rejected, message))
    }

    /// The periodic pass of [`write::maintain`] (retention and the caps for
    /// every member, then unreferenced resources, scopes and tag values),
    /// holding the writer so that it never makes a request's commit wait on
    /// SQLite's lock. Returns what was removed.
    ///
    /// Errors: database errors, logged by the caller; nothing is removed then.
    pub async fn maintain(&self) -> anyhow::Result<write::Maintained> {
        let writer = self.writer.clone().acquire_owned().await?;
        let limits = self.limits;
        self.store
            .call(move |c| {
                let _writer = writer;
                write::maintain(c, &limits, crate::clock::now())
            })
            .await
    }

    /// Stores `batch` for `user_id` in the next group commit and returns
    /// what was done with it once that commit is durable.
    ///
    /// The batch joins the pending list; whoever holds the writer next takes
    /// the whole list into one transaction and hands every batch its outcome
    /// from the store's thread, so a request that goes away while it waits
    /// neither loses the others' answers nor leaves the writer held.
    /// Errors: [`Failure::Unavailable`] when the transaction failed (nothing
    /// of the group is stored).
    async fn commit(&self, user_id: i64, batch: NewBatch) -> Result<Stored, Failure> {
        let (done, mut outcome) = oneshot::channel();
        self.pending
            .lock()
            .map_err(|_| Failure::Unavailable)?
            .push(Job {
                user_id,
                batch,
                done,
            });
        let writer = self
            .writer
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Failure::Unavailable)?;
        if let Ok(result) = outcome.try_recv() {
            return result.ok_or(Failure::Unavailable);
        }
        let jobs = std::mem::take(&mut *self.pending.lock().map_err(|_| Failure::Unavailable)?);
        let limits = self.limits;
        let written = self
            .store
            .call(move |c| {
                let _writer = writer;
                let batches: Vec<(i64, &NewBatch)> =
                    jobs.iter().map(|j| (j.user_id, &j.batch)).collect();
                match write::ingest_all(c, &batches, &limits, crate::clock::now()) {
                    Ok(stored) => {
                        for (job, stored) in jobs.into_iter().zip(stored) {
                            let _ = job.done.send(Some(stored));
                        }
                        Ok(())
                    }
                    Err(err) => {
                        for job in jobs {
                            let _ = job.done.send(None);
                        }
                        Err(err)
                    }
                }
            })
            .await;
        if let Err(err) = written {
            tracing::error!(error = %format!("{err:#}"), "cannot store received spans");
        }
        outcome.await.ok().flatten().ok_or(Failure::Unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_member_over_their_share_is_throttled_while_others_get_in() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let settings = Settings {
            queue: 3,
            ..Settings::default()
        };
        let receiver = Receiver::new(store, &settings);
        let first = receiver.enter(1).unwrap();
        let second = receiver.enter(1).unwrap();
        assert_eq!(receiver.enter(1).err(), Some(Failure::Throttled));
        let other = receiver.enter(2).unwrap();
        assert_eq!(receiver.enter(3).err(), Some(Failure::Busy));
        drop(first);
        assert!(receiver.enter(1).is_ok(), "a place is given back on drop");
        drop((second, other));
    }
}
