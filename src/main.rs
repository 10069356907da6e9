use std::process::ExitCode;

// The compiler allocates many small values per job; mimalloc halves what glibc's malloc costs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    flinkform::bug::install();
    if std::env::var_os(flinkform::bug::TEST_PANIC_VARIABLE).is_some() {
        panic!(
            "panicking on request of {}",
            flinkform::bug::TEST_PANIC_VARIABLE
        );
    }
    flinkform::cli::main()
}
