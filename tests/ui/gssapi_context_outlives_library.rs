// A name, and a context, borrow the library whose functions release them.
use secpkg::gssapi::{Gssapi, Name, NameType};

fn main() {
    let name = {
        let gssapi = Gssapi::system().unwrap();
        Name::import(&gssapi, "host@localhost", NameType::HostBasedService).unwrap()
    };
    drop(name);
}
