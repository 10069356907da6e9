use std::process::ExitCode;

fn main() -> ExitCode {
    flinkform::cli::main()
}
