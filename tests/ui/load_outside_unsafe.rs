// Loading a library runs its code and trusts its signatures: only inside `unsafe`.
fn main() {
    let _ = secpkg::Provider::load("libwinpr2.so.2");
    let _ = secpkg::Provider::from_env();
    let _ = secpkg::gssapi::Gssapi::load("libgssapi_krb5.so.2");
    let _ = secpkg::gssapi::Gssapi::from_env();
}
