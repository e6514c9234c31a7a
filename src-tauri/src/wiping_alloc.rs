//! The app's heap allocator: the system's, except that every block is wiped before it is
//! freed (and before a reallocation moves it). Whatever passed through Rust memory — an IPC
//! request with the passphrase, the recovery key on its way to the window, a key in a
//! buffer of some library — is gone from the process once its owner drops it, not left in
//! freed heap until reused. Locking then leaves no copy of a secret behind (the
//! end-to-end memory scan checks it).
//!
//! C libraries (GTK, WebKit, GLib) use glibc's `malloc` directly and are not covered (see
//! docs/decisions.md, "Lock means gone"). SQLCipher wipes its own key material.
//!
//! The cost is one `memset` per freed byte: small next to the work that filled the memory.

use std::alloc::{GlobalAlloc, Layout, System};

pub struct WipingAllocator;

/// Zeroes `len` bytes at `ptr` in a way the compiler may not drop as a dead store.
///
/// # Safety
/// `ptr` must be valid for writes of `len` bytes.
#[allow(unsafe_code)]
unsafe fn wipe(ptr: *mut u8, len: usize) {
    // SAFETY: the caller guarantees `ptr..ptr + len` is writable; `explicit_bzero` exists
    // so that this write is never optimised away.
    unsafe { libc::explicit_bzero(ptr.cast(), len) };
}

// SAFETY: every method forwards to `System` with the same layout contract; `realloc` is
// `alloc` + copy + `dealloc`, which the `GlobalAlloc` contract allows.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for WipingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated with `layout`, so its `layout.size()` bytes are ours.
        unsafe {
            wipe(ptr, layout.size());
            System.dealloc(ptr, layout);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the new layout keeps the alignment of one the caller already used and a
        // size the caller guarantees valid; the copy covers the bytes both blocks hold.
        unsafe {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let new = System.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}
