import CLibSSH2
import Foundation

/// What a remote command printed and how it ended.
public struct SSHCommandResult: Sendable, Equatable {
    /// The exit status; for a command killed by a signal, 128 + the signal's number.
    public var exitStatus: Int32
    /// The signal that killed the command (`TERM`, `KILL`, ...), if any.
    public var exitSignal: String?
    public var stdout: Data
    public var stderr: Data

    /// stdout as UTF-8, invalid bytes replaced.
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// stderr as UTF-8, invalid bytes replaced.
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// A piece of output from a streaming command.
public struct SSHOutputChunk: Sendable, Equatable {
    public enum Stream: Sendable, Equatable { case stdout, stderr }
    public var stream: Stream
    public var data: Data
}

/// Asks a running `stream` to stop; safe to use from any thread.
public final class SSHStopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    public init() {}

    /// Makes the stream it was passed to return within a fraction of a second.
    public func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    public var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }
}

extension SSHSession {
    /// Runs `command` through the login shell of the remote user (as `ssh host command` does)
    /// and returns its output once it exits. `input`, if given, is the command's standard input
    /// (then end of file); it is sent before any output is read, so it should fit in the
    /// channel's window (OpenSSH's: 2 MiB). Without it, the command's standard input stays open.
    ///
    /// Throws `SSHError.timedOut` (step `exec`) if it has not exited after `timeout` seconds;
    /// the channel is then closed. libssh2 1.10 cannot signal the remote process, so a command
    /// that ignores its closed output keeps running on the host until it ends by itself.
    public func execute(_ command: String, input: Data? = nil, timeout: Double) throws -> SSHCommandResult {
        var stdout = Data()
        var stderr = Data()
        let end = try runChannel(command, input: input, deadline: Deadline(seconds: timeout), stop: nil) { chunk in
            switch chunk.stream {
            case .stdout: stdout.append(chunk.data)
            case .stderr: stderr.append(chunk.data)
            }
        }
        // Without a stop signal, runChannel only returns once the command ended.
        return SSHCommandResult(exitStatus: end!.status, exitSignal: end!.signal, stdout: stdout, stderr: stderr)
    }

    /// Runs `command`, handing its output to `onOutput` as it arrives (on the calling thread),
    /// until it exits, `stop` is signalled, or `timeout` seconds pass (nil: no limit).
    /// - Returns: the exit status, or nil if stopped.
    public func stream(_ command: String, timeout: Double? = nil, stop: SSHStopSignal? = nil,
                       onOutput: (SSHOutputChunk) -> Void) throws -> Int32? {
        let deadline = timeout.map { Deadline(seconds: $0) } ?? .never
        return try runChannel(command, input: nil, deadline: deadline, stop: stop, onOutput: onOutput)?.status
    }

    /// Opens a session channel, runs `command`, sends it `input`, pumps both output streams to
    /// `onOutput` and collects the exit status. Returns nil if `stop` was signalled.
    private func runChannel(_ command: String, input: Data?, deadline: Deadline, stop: SSHStopSignal?,
                            onOutput: (SSHOutputChunk) -> Void) throws -> (status: Int32, signal: String?)? {
        beginOperation()
        defer { endOperation() }
        let channel: OpaquePointer
        do {
            channel = try openChannel(.exec, "opening a channel", deadline: deadline, {
                cssh_channel_open_session(raw)
            }, prepare: { channel in
                try self.call(.exec, "starting `\(command)`", deadline: deadline) {
                    Int(cssh_channel_exec(channel, command))
                }
            })
        } catch let error as SSHError where !isOpen {
            // The connection died while idle (host rebooted, NAT forgot it): nothing ran.
            throw SSHError.closed(host: endpoint, step: .exec, reason: error.reason)
        }
        var finished = false
        defer { if !finished { abandon(channel) } }
        if let input { try send(input, to: channel, deadline: deadline) }

        var buffer = [CChar](repeating: 0, count: 32 * 1024)
        var chunks: [SSHOutputChunk] = []
        while stop?.isStopped != true {
            chunks.removeAll(keepingCapacity: true)
            let state: Int
            do {
                state = try call(.exec, "`\(command)`", deadline: deadline, stop: stop) {
                    readAvailable(channel, into: &buffer, chunks: &chunks)
                }
            } catch is Stopped {
                return nil
            }
            chunks.forEach(onOutput)
            if state == 0 { break }
        }
        if stop?.isStopped == true { return nil }
        try call(.exec, "closing the channel", deadline: deadline) { Int(libssh2_channel_close(channel)) }
        try call(.exec, "closing the channel", deadline: deadline) { Int(libssh2_channel_wait_closed(channel)) }
        var end: (Int32, String?) = (0, nil)
        withLockIfOpen {
            end = exitStatus(of: channel)
            libssh2_channel_free(channel)
        }
        finished = true
        return end
    }

    /// Writes `input` to the command's standard input, then end of file.
    private func send(_ input: Data, to channel: OpaquePointer, deadline: Deadline) throws {
        var offset = 0
        while offset < input.count {
            let sent = offset
            offset += try call(.exec, "sending the command's input", deadline: deadline) {
                input.withUnsafeBytes { bytes in
                    cssh_channel_write(channel, bytes.baseAddress!.advanced(by: sent).assumingMemoryBound(to: CChar.self),
                                       input.count - sent)
                }
            }
        }
        try call(.exec, "ending the command's input", deadline: deadline) { Int(libssh2_channel_send_eof(channel)) }
    }

    /// One pass over both streams (under the session lock): 1 if data was read, 0 at end of
    /// output, EAGAIN if there is nothing yet, or a libssh2 error.
    private func readAvailable(_ channel: OpaquePointer, into buffer: inout [CChar],
                               chunks: inout [SSHOutputChunk]) -> Int {
        for stream in [SSHOutputChunk.Stream.stdout, .stderr] {
            while true {
                let count = buffer.withUnsafeMutableBufferPointer { pointer in
                    stream == .stdout
                        ? cssh_channel_read(channel, pointer.baseAddress, pointer.count)
                        : cssh_channel_read_stderr(channel, pointer.baseAddress, pointer.count)
                }
                if count > 0 {
                    let bytes = buffer[0..<count].map { UInt8(bitPattern: $0) }
                    chunks.append(SSHOutputChunk(stream: stream, data: Data(bytes)))
                    continue
                }
                if count == Int(LIBSSH2_ERROR_EAGAIN),
                   libssh2_session_block_directions(raw) & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 {
                    return count  // finish the half-sent window adjustment first
                }
                if count < 0 && count != Int(LIBSSH2_ERROR_EAGAIN) { return count }
                break
            }
        }
        if !chunks.isEmpty { return 1 }
        return libssh2_channel_eof(channel) != 0 ? 0 : Int(LIBSSH2_ERROR_EAGAIN)
    }

    /// The exit status, or 128 + signal number for a command killed by a signal.
    private func exitStatus(of channel: OpaquePointer) -> (Int32, String?) {
        var name: UnsafeMutablePointer<CChar>?
        var nameLength = 0
        libssh2_channel_get_exit_signal(channel, &name, &nameLength, nil, nil, nil, nil)
        if let name {
            let signal = String(cString: name)
            libssh2_free(raw, name)
            return (128 + (signalNumbers[signal] ?? 127), signal)
        }
        return (libssh2_channel_get_exit_status(channel), nil)
    }

    /// Gives up on a channel whose command has not finished: sends CLOSE without waiting
    /// for the host's reply (which only comes once the command ends). libssh2 frees the
    /// channel with the session.
    func abandon(_ channel: OpaquePointer) {
        withLockIfOpen {
            let deadline = Deadline(seconds: 2)
            while !deadline.hasPassed {
                let rc = libssh2_channel_close(channel)
                if rc == 0 {
                    libssh2_channel_free(channel)
                    return
                }
                guard rc == LIBSSH2_ERROR_EAGAIN,
                      libssh2_session_block_directions(raw) & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 else { return }
                waitForSocket(events: Int16(POLLOUT), deadline: deadline, cap: 100)
            }
        }
    }
}

private let signalNumbers: [String: Int32] = [
    "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "ABRT": 6, "FPE": 8, "KILL": 9, "USR1": 10,
    "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15,
]
