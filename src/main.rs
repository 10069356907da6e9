use std::process::ExitCode;

// The compiler allocates many small values per job; mimalloc halves what glibc's malloc costs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    flinkform::cli::main()
}
