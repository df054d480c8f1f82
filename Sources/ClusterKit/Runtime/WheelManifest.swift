import Foundation

/// The wheels a node downloads from S3 itself (`WheelDelivery.s3`): each one's file name, size
/// and presigned GET URL. It reaches the node as one small file uploaded over SSH (0600, next
/// to its wheelhouse) rather than in the bootstrap command, which must fit in one SSH request
/// and which other users of the node can read in its process list; the bootstrap removes it
/// once read.
///
/// The URLs grant access to the objects until they expire: `description` never shows them, and
/// nothing prints, logs or stores a manifest.
struct WheelManifest: Codable, Equatable, CustomStringConvertible {
    /// One wheel to download.
    struct Wheel: Codable, Equatable {
        /// The file name, also the last part of its object key.
        var name: String
        /// Its size in bytes: the node checks that what it downloaded is whole.
        var size: Int
        /// The presigned GET URL.
        var url: String
    }

    var wheels: [Wheel]

    /// The bytes the node downloads.
    var totalBytes: Int { wheels.reduce(0) { $0 + $1.size } }

    /// The JSON the bootstrap's downloader reads (`{"wheels": [{"name", "size", "url"}]}`).
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    var description: String { "\(wheels.count) wheels, \(totalBytes) bytes (download URLs not shown)" }
}
