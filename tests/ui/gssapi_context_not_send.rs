// A context (and its names and credentials) stays on the thread that made it: MIT and Heimdal
// forbid using one object from two threads at once, and secpkg takes no lock for them.
use secpkg::gssapi::{Context, Gssapi, Name, NameType};

fn main() {
    let gssapi = Gssapi::system().unwrap();
    let target = Name::import(&gssapi, "host@localhost", NameType::HostBasedService).unwrap();
    let context = Context::initiator(&gssapi, &target, None, None, 0).unwrap();
    std::thread::scope(|scope| {
        scope.spawn(move || drop(context));
    });
}
