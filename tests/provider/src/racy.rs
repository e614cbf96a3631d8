//! `Scenario::racy_bookkeeping`: WinPR 2.11's buffer bookkeeping, flaw included, so that the
//! race WinPR has shows up on any machine, with this provider alone.
//!
//! WinPR (`winpr/libwinpr/sspi/sspi_winpr.c`) records every buffer it hands out in one
//! process-global `ContextBufferAllocTable`: an array that starts with 4 slots and doubles with
//! `realloc` when full. `EnumerateSecurityPackages` and `QuerySecurityPackageInfo` scan it for a
//! free slot, `FreeContextBuffer` scans it for the buffer, and none of them takes a lock. Two
//! threads that grow the table at once `realloc` the same block twice (glibc aborts: `double
//! free or corruption`, `realloc(): invalid pointer`), a thread scanning while another grows it
//! reads freed memory, and two threads that pick the same free slot lose one buffer.
//!
//! This module does the same with the same allocator (Rust's global allocator is `malloc`):
//! the table lives in a `static` reached through raw pointers, with no lock. It is a data race
//! on purpose; nothing else in the crate shares it. Where WinPR silently ignores a buffer it
//! cannot find, this provider reports the lost slot on stderr and aborts, so that a corrupted
//! table is seen every time rather than leaking quietly.

use crate::{Record, write_block};
use secpkg_sys::{SECURITY_STATUS, SecPkgInfoW};
use std::alloc::{self, Layout};
use std::cell::UnsafeCell;
use std::io::Write;
use std::ptr;
use std::sync::Once;

/// A slot: a buffer handed out and the size of its allocation (WinPR keeps the buffer and its
/// allocator's index). A null `block` is a free slot.
#[derive(Clone, Copy)]
#[repr(C)]
struct Slot {
    block: *mut u8,
    size: usize,
}

/// WinPR's `CONTEXT_BUFFER_ALLOC_TABLE`.
struct Table {
    slots: *mut Slot,
    capacity: usize,
    used: usize,
}

/// WinPR's first table size.
const INITIAL_SLOTS: usize = 4;

/// The table, shared by every thread with no synchronisation at all.
struct Unsynchronised(UnsafeCell<Table>);

// SAFETY: it is not safe, and that is the point: this reproduces a provider that shares a table
// between threads without a lock. Only `Scenario::racy_bookkeeping` reaches it.
unsafe impl Sync for Unsynchronised {}

static TABLE: Unsynchronised = Unsynchronised(UnsafeCell::new(Table { slots: ptr::null_mut(), capacity: 0, used: 0 }));

/// WinPR creates its table once, under `InitOnceExecuteOnce`; the race is in the later use.
static CREATED: Once = Once::new();

fn slots_layout(capacity: usize) -> Layout {
    Layout::array::<Slot>(capacity).expect("the table's size fits in isize")
}

/// The table, created on first use.
fn table() -> *mut Table {
    let table = TABLE.0.get();
    CREATED.call_once(|| {
        // SAFETY: the layout has a non-zero size.
        let slots = unsafe { alloc::alloc_zeroed(slots_layout(INITIAL_SLOTS)) }.cast::<Slot>();
        if slots.is_null() {
            alloc::handle_alloc_error(slots_layout(INITIAL_SLOTS));
        }
        // SAFETY: `call_once` runs this once, before any other use of the table.
        unsafe { table.write(Table { slots, capacity: INITIAL_SLOTS, used: 0 }) };
    });
    table
}

/// Allocates the block for `records` as the locked mode does, and records it in the table
/// (WinPR's `sspi_ContextBufferAlloc`).
pub(crate) fn allocate(records: &[Record]) -> Result<*mut SecPkgInfoW, SECURITY_STATUS> {
    let (array, layout) = write_block(records, 0)?;
    let table = table();
    // SAFETY: none: the table is read and written with no lock, as WinPR does. Without
    // concurrent callers every pointer below is the table's own and in bounds.
    unsafe {
        loop {
            let slots = (*table).slots;
            for i in 0..(*table).capacity {
                let slot = slots.add(i);
                if (*slot).block.is_null() {
                    widen_the_window();
                    slot.write(Slot { block: array.cast(), size: layout.size() });
                    (*table).used += 1;
                    return Ok(array);
                }
            }
            grow(table);
        }
    }
}

/// Doubles the table with `realloc` and clears the new half (WinPR's
/// `sspi_ContextBufferAllocTableGrow`).
///
/// # Safety
/// None that concurrent callers keep: `(*table).slots` holds `(*table).capacity` slots.
unsafe fn grow(table: *mut Table) {
    // SAFETY: as the caller's.
    unsafe {
        let old = (*table).capacity;
        let new = old * 2;
        let grown = alloc::realloc((*table).slots.cast(), slots_layout(old), slots_layout(new).size());
        if grown.is_null() {
            alloc::handle_alloc_error(slots_layout(new));
        }
        widen_the_window();
        grown.add(slots_layout(old).size()).write_bytes(0, slots_layout(new).size() - slots_layout(old).size());
        (*table).slots = grown.cast();
        (*table).capacity = new;
    }
}

/// Lets another thread run between reading the table and writing it back. WinPR's window is a
/// few instructions wide, so its race shows only when two cores happen to meet in it; this one
/// is open long enough for the race to show in most runs, on any number of cores.
fn widen_the_window() {
    std::thread::yield_now();
}

/// Finds `buffer` in the table, clears its slot, poisons and frees it (WinPR's
/// `sspi_ContextBufferFree`). A buffer in no slot means the table was corrupted: one line on
/// stderr, then abort.
///
/// # Safety
/// None that concurrent callers keep: a buffer in the table is live and was allocated with the
/// size its slot records.
pub(crate) unsafe fn free(buffer: *mut u8) {
    let table = table();
    // SAFETY: as the caller's.
    let found = unsafe {
        let slots = (*table).slots;
        (0..(*table).capacity).map(|i| slots.add(i)).find(|&slot| (*slot).block == buffer).map(|slot| {
            let size = (*slot).size;
            slot.write(Slot { block: ptr::null_mut(), size: 0 });
            (*table).used -= 1;
            size
        })
    };
    let Some(size) = found else {
        let _ = writeln!(
            std::io::stderr(),
            "secpkg-test-provider: racy_bookkeeping: FreeContextBuffer({buffer:p}) is in no slot of the \
             buffer table: concurrent calls corrupted it"
        );
        std::process::abort();
    };
    let layout = Layout::from_size_align(size, align_of::<SecPkgInfoW>()).expect("recorded from a valid layout");
    // SAFETY: the slot recorded this live block and its size; clearing it made this the only free.
    unsafe { crate::poison_and_free(buffer, layout) };
}
