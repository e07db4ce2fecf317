//! A counting global allocator, per thread: each test runs its engine on its own thread, so the
//! figures of one test are not disturbed by another running beside it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn add(n: i64) {
    // `try_with`: the allocator runs while thread-locals are torn down, too.
    let _ = LIVE.try_with(|l| {
        let v = l.get() + n;
        l.set(v);
        let _ = PEAK.try_with(|p| p.set(p.get().max(v)));
    });
    if n > 0 {
        let _ = ALLOCS.try_with(|a| a.set(a.get() + 1));
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            add(l.size() as i64);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        add(-(l.size() as i64));
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            add(new as i64 - l.size() as i64);
        }
        q
    }
}

#[global_allocator]
static A: Counting = Counting;

/// What `f` cost on this thread: the peak of bytes held above what was held before it, the bytes
/// still held after it, and the number of allocations.
#[derive(Debug, Clone, Copy)]
pub struct Cost {
    pub peak: i64,
    pub held: i64,
    pub allocations: u64,
}

pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Cost) {
    let start = LIVE.with(|l| l.get());
    PEAK.with(|p| p.set(start));
    let a0 = ALLOCS.with(|a| a.get());
    let r = f();
    let cost =
        Cost { peak: PEAK.with(|p| p.get()) - start, held: LIVE.with(|l| l.get()) - start, allocations: ALLOCS.with(|a| a.get()) - a0 };
    (r, cost)
}

#[test]
fn the_allocator_counts_what_a_vector_holds() {
    let (v, c) = measure(|| vec![0u8; 1 << 20]);
    assert!(c.peak >= 1 << 20 && c.held >= 1 << 20, "{c:?}");
    let (_, c2) = measure(|| drop(v));
    assert!(c2.held <= -(1 << 20), "{c2:?}");
}
