import CZlib
import Foundation

/// zlib, wrapped once: data compressed in the gzip format, as `gzip -d` reads it. Used to keep
/// the files clusterctl writes on a node small enough for one SSH exec request (an OpenSSH
/// server takes at most 32 KiB per request packet).
enum Gzip {
    /// `data` compressed at the best level; throws only if zlib itself fails.
    static func compress(_ data: Data) throws -> Data {
        var stream = z_stream()
        guard czlib_deflate_init_gzip(&stream, Z_BEST_COMPRESSION) == Z_OK else {
            throw ClusterError("zlib could not start compressing")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(data.count)))
        var output = [UInt8](repeating: 0, count: bound)
        var input = [UInt8](data)
        let result: Int32 = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = uInt(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = uInt(outputBuffer.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard result == Z_STREAM_END else { throw ClusterError("zlib could not compress (status \(result))") }
        return Data(output.prefix(Int(stream.total_out)))
    }
}
