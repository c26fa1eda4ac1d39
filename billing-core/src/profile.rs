//! Where an invoice run's time goes: wall time per phase, summed over the process, for the
//! benchmark harness (`billing bench invoice-run`, docs/performance.md). Two clock reads per
//! phase and chunk; nothing is kept per subscription.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The phases of one chunk, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading and locking the next due subscriptions.
    LockDue,
    /// Prices, payment methods, e-invoice settings and usage of the chunk.
    ChunkFacts,
    /// Rating, VAT and the Art. 230 statement, in Rust.
    Compute,
    ReserveNumbers,
    InsertInvoices,
    InsertLines,
    /// The seller and buyer snapshots written onto the inserted invoices.
    FreezeParties,
    AdvanceSubscriptions,
    Outbox,
    Exceptions,
    /// The run record's counts and totals.
    RecordProgress,
    Commit,
}

pub const PHASES: [Phase; 12] = [
    Phase::LockDue,
    Phase::ChunkFacts,
    Phase::Compute,
    Phase::ReserveNumbers,
    Phase::InsertInvoices,
    Phase::InsertLines,
    Phase::FreezeParties,
    Phase::AdvanceSubscriptions,
    Phase::Outbox,
    Phase::Exceptions,
    Phase::RecordProgress,
    Phase::Commit,
];

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::LockDue => "lock_due",
            Phase::ChunkFacts => "chunk_facts",
            Phase::Compute => "compute",
            Phase::ReserveNumbers => "reserve_numbers",
            Phase::InsertInvoices => "insert_invoices",
            Phase::InsertLines => "insert_lines",
            Phase::FreezeParties => "freeze_parties",
            Phase::AdvanceSubscriptions => "advance_subscriptions",
            Phase::Outbox => "outbox",
            Phase::Exceptions => "exceptions",
            Phase::RecordProgress => "record_progress",
            Phase::Commit => "commit",
        }
    }
}

static NANOS: [AtomicU64; 12] = [const { AtomicU64::new(0) }; 12];

/// Adds the time since `since` to `phase` and returns now (the next phase's start).
pub fn lap(phase: Phase, since: Instant) -> Instant {
    let now = Instant::now();
    let nanos = u64::try_from(now.duration_since(since).as_nanos()).unwrap_or(u64::MAX);
    NANOS[phase as usize].fetch_add(nanos, Ordering::Relaxed);
    now
}

/// Time per phase since the last [`reset`].
pub fn snapshot() -> Vec<(&'static str, std::time::Duration)> {
    PHASES
        .iter()
        .map(|p| (p.name(), std::time::Duration::from_nanos(NANOS[*p as usize].load(Ordering::Relaxed))))
        .collect()
}

pub fn reset() {
    for n in &NANOS {
        n.store(0, Ordering::Relaxed);
    }
}
