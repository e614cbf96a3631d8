//! The provider's array of package records, freed exactly once by the provider.

use crate::error::InvalidItem;
use crate::wide::WideStr;
use crate::{Capabilities, Error, Operation, PackageId, PackageInfo, Provider};
use secpkg_sys::{SEC_E_OK, SecPkgInfoW};

/// Records the provider allocated, owned until given back to its `FreeContextBuffer`.
///
/// It borrows the [`Provider`] and frees through it in `Drop`, so the borrow checker keeps the
/// provider alive until the buffer is gone.
#[derive(Debug)]
pub(crate) struct ProviderBuffer<'p> {
    ptr: *mut SecPkgInfoW,
    len: usize,
    provider: &'p Provider,
}

impl<'p> ProviderBuffer<'p> {
    /// Takes ownership of what the provider returned, after checking that `count` records at
    /// `ptr` can be a slice: not null (unless `count` is 0), aligned, and no larger than `isize`
    /// and the address space allow. On an error (which says what was wrong) a non-null `ptr` is
    /// given back to the provider.
    ///
    /// # Safety
    /// `ptr` is null or was returned by `provider` with `count` initialised records that stay
    /// valid until passed to its `FreeContextBuffer`, and nothing else frees it (obligations 2
    /// and 3 of [`Provider`]).
    #[inline(always)]
    pub(crate) unsafe fn new(provider: &'p Provider, ptr: *mut SecPkgInfoW, count: u32) -> Result<Self, String> {
        let buffer = Self { ptr, len: count as usize, provider };
        match array_fault(ptr, count) {
            None => Ok(buffer),
            // `buffer` is dropped here: a non-null pointer goes back to the provider.
            Some(fault) => Err(fault),
        }
    }

    #[inline]
    pub(crate) fn records(&self) -> &[SecPkgInfoW] {
        if self.ptr.is_null() {
            return &[];
        }
        // SAFETY: obligation 2 gives `len` initialised records at `ptr`, which `new` checked to
        // be aligned and to fit a slice; obligation 3 keeps them valid until `release` frees
        // them, which clears `ptr` first.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// Gives the buffer back, returning the provider's status (`SEC_E_OK` when there was nothing
    /// to free). The pointer is cleared first, so later calls (and `drop`) find nothing to free
    /// and the records read as empty.
    #[inline]
    fn free(&mut self) -> i32 {
        let ptr = std::mem::replace(&mut self.ptr, std::ptr::null_mut());
        if ptr.is_null() {
            return SEC_E_OK;
        }
        // SAFETY: `ptr` came from this provider (`new`'s contract) and has not been freed: it was
        // taken out of `self` above, so this is the only call that sees it.
        unsafe { self.provider.free(ptr) }
    }

    /// Gives the buffer back, reporting a failure to free.
    pub(crate) fn release(&mut self) -> Result<(), Error> {
        match self.free() {
            SEC_E_OK => Ok(()),
            status => Err(Operation::FreeContextBuffer.failed(status)),
        }
    }
}

impl Drop for ProviderBuffer<'_> {
    #[inline]
    fn drop(&mut self) {
        // A failure cannot be reported from drop; `close`, `into_vec` and `into_info` report it.
        self.free();
    }
}

/// Why `count` records at `ptr` cannot be read as a slice, if they cannot.
#[inline]
fn array_fault<T>(ptr: *const T, count: u32) -> Option<String> {
    // The arrays every provider returns pass these checks inline; naming a fault is cold.
    let bytes = (count as usize).checked_mul(size_of::<T>()).filter(|&bytes| bytes <= isize::MAX as usize);
    let fits = bytes.is_some_and(|bytes| ptr.addr().checked_add(bytes).is_some());
    if !ptr.is_null() && ptr.is_aligned() && fits {
        return None;
    }
    name_array_fault(ptr, count, bytes)
}

/// What `array_fault` found wrong; `bytes` is the array's size if it fits an `isize`.
#[cold]
fn name_array_fault<T>(ptr: *const T, count: u32, bytes: Option<usize>) -> Option<String> {
    if ptr.is_null() {
        return (count != 0).then(|| format!("{count} records and a null array"));
    }
    if !ptr.is_aligned() {
        return Some(format!("a record pointer {ptr:p} that is not aligned to {} bytes", align_of::<T>()));
    }
    match bytes {
        None => Some(format!("{count} records, more bytes than an array can hold")),
        Some(bytes) if ptr.addr().checked_add(bytes).is_none() => {
            Some(format!("{count} records at {ptr:p}, which would run past the end of the address space"))
        }
        Some(_) => None,
    }
}

/// The security packages a provider listed, in the provider's own buffer.
///
/// Reading them does not allocate ([`Packages::iter`]); [`to_vec`](Packages::to_vec) and
/// [`into_vec`](Packages::into_vec) copy them out. The buffer is given back to the provider's
/// `FreeContextBuffer` exactly once: when this value is dropped (also while unwinding), or by
/// [`close`](Packages::close) or [`into_vec`](Packages::into_vec), which report a failure to free.
///
/// It borrows the [`Provider`](crate::Provider), which cannot be dropped (or its library
/// unloaded) first. It is neither `Send` nor `Sync`, since SSPI does not promise that a buffer
/// may be freed on another thread than the one that received it.
///
/// ```no_run
/// let provider = secpkg::Provider::system()?;
/// let packages = provider.packages()?;
/// let negotiable = packages.iter().filter(|p| p.capabilities().contains(secpkg::Capabilities::NEGOTIABLE));
/// for package in negotiable {
///     println!("{} can be negotiated", package.name());
/// }
/// # Ok::<(), secpkg::Error>(())
/// ```
pub struct Packages<'p> {
    buffer: ProviderBuffer<'p>,
}

impl<'p> Packages<'p> {
    pub(crate) fn new(buffer: ProviderBuffer<'p>) -> Self {
        Self { buffer }
    }

    /// Takes ownership of an array that `provider`'s `EnumerateSecurityPackagesW` returned
    /// (through [`Provider::with_raw_functions`]), to be given back to its `FreeContextBuffer`
    /// exactly once, as [`Provider::packages`]' are. An array that cannot be read as `count`
    /// records (null with a non-zero count, misaligned, too large) is [`Error::InvalidData`],
    /// and a non-null one is given back first.
    ///
    /// The value frees through the provider, under its lock: drop it after the
    /// `with_raw_functions` closure returns (inside, the free would wait for that lock).
    ///
    /// # Safety
    /// `array` is null or what `provider`'s `EnumerateSecurityPackagesW` wrote on success, with
    /// the `count` it wrote (obligation 2 of [`Provider`]), not yet freed and not used after
    /// this call but through the result.
    pub unsafe fn from_raw(provider: &'p Provider, array: *mut SecPkgInfoW, count: u32) -> Result<Self, Error> {
        // SAFETY: the caller's promise, as ProviderBuffer::new requires it.
        let buffer = unsafe { ProviderBuffer::new(provider, array, count) };
        buffer.map(Self::new).map_err(|what| Error::InvalidData {
            item: InvalidItem::PackageArray,
            what: format!("EnumerateSecurityPackagesW returned {what}"),
        })
    }

    /// How many packages there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.buffer.records().len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The package at `index`.
    #[must_use]
    pub fn get(&self, index: usize) -> Option<Package<'_>> {
        self.buffer.records().get(index).map(Package)
    }

    /// The packages, as views into the provider's buffer.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.buffer.records().iter())
    }

    /// The packages, owned. The first record that breaks the SSPI contract (a null `Name`, a
    /// string that is not UTF-16) is an error.
    pub fn to_vec(&self) -> Result<Vec<PackageInfo>, Error> {
        let records = self.buffer.records();
        let mut packages = Vec::new();
        // A count the provider made up may exceed the memory there is: an error, not a panic.
        packages.try_reserve_exact(records.len()).map_err(|_| Error::InvalidData {
            item: InvalidItem::PackageArray,
            what: format!("{} records, more than fit in memory when copied", records.len()),
        })?;
        for record in records {
            packages.push(Package(record).to_info()?);
        }
        Ok(packages)
    }

    /// The packages, owned, with the buffer freed before returning: also an error when the
    /// provider's `FreeContextBuffer` fails.
    pub fn into_vec(mut self) -> Result<Vec<PackageInfo>, Error> {
        let packages = self.to_vec();
        let freed = self.buffer.release();
        let packages = packages?;
        freed.map(|()| packages)
    }

    /// Frees the buffer now, reporting the provider's status.
    pub fn close(mut self) -> Result<(), Error> {
        self.buffer.release()
    }
}

impl<'a> IntoIterator for &'a Packages<'_> {
    type Item = Package<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The packages, listed as the provider listed them.
impl std::fmt::Debug for Packages<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The iterator of [`Packages::iter`]: views into the provider's buffer.
#[derive(Clone)]
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Iter<'a>(std::slice::Iter<'a, SecPkgInfoW>);

/// The packages not yet iterated.
impl std::fmt::Debug for Iter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = Package<'a>;

    #[inline]
    fn next(&mut self) -> Option<Package<'a>> {
        self.0.next().map(Package)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(Package)
    }
}

impl ExactSizeIterator for Iter<'_> {}
impl std::iter::FusedIterator for Iter<'_> {}

/// One package record in the provider's buffer, read without copying.
///
/// Two packages are equal when their fields are (strings compared by code units), wherever
/// their records lie.
#[derive(Clone, Copy)]
pub struct Package<'a>(&'a SecPkgInfoW);

impl<'a> Package<'a> {
    /// `fCapabilities`, unknown bits kept.
    #[inline]
    #[must_use]
    pub fn capabilities(&self) -> Capabilities {
        Capabilities::from_bits_retain(self.0.fCapabilities)
    }

    /// `wVersion`.
    #[inline]
    #[must_use]
    pub fn version(&self) -> u16 {
        self.0.wVersion
    }

    /// `wRPCID`.
    #[inline]
    #[must_use]
    pub fn rpc_id(&self) -> PackageId {
        PackageId::from_value(self.0.wRPCID)
    }

    /// `cbMaxToken`: the largest token the package produces, in bytes.
    #[inline]
    #[must_use]
    pub fn max_token(&self) -> u32 {
        self.0.cbMaxToken
    }

    /// `Name`; empty if the provider gave a null or misaligned pointer (which
    /// [`to_info`](Package::to_info) reports as an error).
    #[inline]
    #[must_use]
    pub fn name(&self) -> WideStr<'a> {
        // SAFETY: the provider's Name is null or NUL-terminated UTF-16, valid while the buffer
        // lives, which the borrow 'a ensures.
        unsafe { WideStr::from_ptr(self.0.Name) }
    }

    /// `Comment`; empty if the provider gave a null or misaligned pointer (a misaligned one
    /// is an error for [`to_info`](Package::to_info)).
    #[inline]
    #[must_use]
    pub fn comment(&self) -> WideStr<'a> {
        // SAFETY: as for `name`.
        unsafe { WideStr::from_ptr(self.0.Comment) }
    }

    /// The raw record, for what the typed accessors do not say (whether `Name` is null, the
    /// pointers themselves). Its type is secpkg-sys's, which code that reads it depends on.
    #[must_use]
    pub fn raw(&self) -> &'a SecPkgInfoW {
        self.0
    }

    /// An owned copy; an error if `Name` is null or a string is not valid UTF-16. Also
    /// `PackageInfo::try_from(package)`.
    pub fn to_info(&self) -> Result<PackageInfo, Error> {
        // SAFETY: obligation 4 of Provider: the record's strings are null or NUL-terminated
        // UTF-16, valid while the buffer that holds the record lives, which 'a ensures.
        unsafe { PackageInfo::from_raw(self.0) }
    }

    /// The fields that make a package what it is, for comparing and hashing.
    fn key(&self) -> (WideStr<'a>, WideStr<'a>, u32, u16, u16, u32) {
        let r = self.0;
        (self.name(), self.comment(), r.fCapabilities, r.wVersion, r.wRPCID, r.cbMaxToken)
    }
}

impl PartialEq for Package<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Package<'_> {}

impl std::hash::Hash for Package<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl TryFrom<Package<'_>> for PackageInfo {
    type Error = Error;

    fn try_from(package: Package<'_>) -> Result<PackageInfo, Error> {
        package.to_info()
    }
}

impl std::fmt::Debug for Package<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Package")
            .field("name", &self.name())
            .field("comment", &self.comment())
            .field("capabilities", &self.capabilities())
            .field("version", &self.version())
            .field("rpc_id", &self.rpc_id())
            .field("max_token", &self.max_token())
            .finish()
    }
}

/// One package's record from [`Provider::query_in_place`], in the provider's own buffer.
///
/// The buffer is given back to the provider's `FreeContextBuffer` exactly once: when this value
/// is dropped, or by [`close`](QueriedPackage::close) or [`into_info`](QueriedPackage::into_info),
/// which report a failure to free. It borrows the [`Provider`], which cannot be dropped first.
pub struct QueriedPackage<'p> {
    /// One record, never released before `self` goes.
    buffer: ProviderBuffer<'p>,
}

impl<'p> QueriedPackage<'p> {
    pub(crate) fn new(buffer: ProviderBuffer<'p>) -> Self {
        Self { buffer }
    }

    /// Takes ownership of a record that `provider`'s `QuerySecurityPackageInfoW` returned
    /// (through [`Provider::with_raw_functions`]), to be given back to its `FreeContextBuffer`
    /// exactly once, as [`Provider::query_in_place`]'s is. A null or misaligned record is
    /// [`Error::InvalidData`] (a misaligned one is given back first).
    ///
    /// As for [`Packages::from_raw`], drop the value after the `with_raw_functions` closure.
    ///
    /// # Safety
    /// `record` is null or what `provider`'s `QuerySecurityPackageInfoW` wrote on success
    /// (obligation 2 of [`Provider`]), not yet freed and not used after this call but through
    /// the result.
    pub unsafe fn from_raw(provider: &'p Provider, record: *mut SecPkgInfoW) -> Result<Self, Error> {
        if record.is_null() {
            let what = "QuerySecurityPackageInfoW succeeded with a null record".to_owned();
            return Err(Error::InvalidData { item: InvalidItem::PackageRecord, what });
        }
        // SAFETY: the caller's promise, as ProviderBuffer::new requires it, for one record.
        let buffer = unsafe { ProviderBuffer::new(provider, record, 1) };
        buffer.map(Self::new).map_err(|what| Error::InvalidData {
            item: InvalidItem::PackageRecord,
            what: format!("QuerySecurityPackageInfoW returned {what}"),
        })
    }

    /// The record, read in place.
    #[inline]
    #[must_use]
    pub fn package(&self) -> Package<'_> {
        // The buffer holds one record until `self` is consumed: `new` got a non-null pointer
        // with a count of 1, and only `close`, `into_info` and `drop` release it.
        Package(&self.buffer.records()[0])
    }

    /// The record, owned, with the buffer freed before returning: also an error when the
    /// provider's `FreeContextBuffer` fails.
    pub fn into_info(mut self) -> Result<PackageInfo, Error> {
        let info = self.package().to_info();
        let freed = self.buffer.release();
        let info = info?;
        freed.map(|()| info)
    }

    /// Frees the buffer now, reporting the provider's status.
    pub fn close(mut self) -> Result<(), Error> {
        self.buffer.release()
    }
}

impl std::fmt::Debug for QueriedPackage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.package().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::array_fault;
    use secpkg_sys::SecPkgInfoW;
    use std::ptr::without_provenance;

    #[test]
    fn arrays_that_cannot_be_slices_are_named() {
        let aligned = without_provenance::<SecPkgInfoW>(0x1000);
        assert_eq!(array_fault(aligned, 3), None);
        assert_eq!(array_fault(std::ptr::null::<SecPkgInfoW>(), 0), None);
        assert_eq!(array_fault(std::ptr::null::<SecPkgInfoW>(), 2).unwrap(), "2 records and a null array");
        let misaligned = array_fault(without_provenance::<SecPkgInfoW>(0x1001), 1).unwrap();
        assert!(misaligned.contains("not aligned"), "{misaligned}");
        let end = usize::MAX - 2 * size_of::<SecPkgInfoW>() + 1;
        let end = end - end % align_of::<SecPkgInfoW>();
        let wraps = array_fault(without_provenance::<SecPkgInfoW>(end), 3).unwrap();
        assert!(wraps.contains("past the end of the address space"), "{wraps}");
    }

    /// On i686 a `SecPkgInfoW` is 20 bytes, so a `u32` count can ask for more than `isize::MAX`
    /// bytes; here a larger record stands in for it.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn a_byte_size_beyond_isize_is_named() {
        type Huge = [u8; 1 << 32];
        let fault = array_fault(without_provenance::<Huge>(0x1000), u32::MAX).unwrap();
        assert_eq!(fault, "4294967295 records, more bytes than an array can hold");
        assert_eq!(array_fault(without_provenance::<Huge>(0x1000), 1), None);
    }
}
