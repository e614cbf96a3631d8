// A name with a NUL character would reach the provider cut short: package_name! refuses it at
// compile time, naming why. So does an empty name.
const CUT: secpkg::PackageName<'static> = secpkg::package_name!("Kerberos\0NTLM");
const EMPTY: secpkg::PackageName<'static> = secpkg::package_name!("");

fn main() {
    let _ = (CUT, EMPTY);
}
