import Foundation

/// Output that arrives line by line from nodes (`exec`, `logs --follow`): written to stdout at
/// once, unbuffered, so it is seen as it comes and nothing waits in a buffer at exit.
enum StreamedOutput {
    static func write(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
