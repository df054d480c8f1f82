import ArgumentParser
import ClusterKit
import Foundation

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a commented starter cluster file for a provider.",
        discussion: "The file is valid as written (`clusterctl validate FILE` accepts it); for ssh, put your own hosts "
            + "in it first. An existing file is never overwritten.")

    @Option(help: ArgumentHelp("The provider.", valueName: "local|ssh|ec2")) var provider = "local"
    @Option(help: "The cluster's name (default: the file's name without extension).") var name: String?
    @Argument(help: "The file to write.") var file = "cluster.yaml"

    func run() throws {
        try reportingFailures {
            let text = try StarterFile.text(provider: provider, name: name ?? StarterFile.name(forFile: file), path: file)
            // Created, never overwritten.
            let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                if errno == EEXIST {
                    throw ClusterError.usage("\(file) already exists; give another file name, or remove it first")
                }
                throw ClusterError("cannot create \(file): \(String(cString: strerror(errno)))")
            }
            let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
            print("Wrote \(file) (\(provider)). Check it with `clusterctl validate \(file)`, then `clusterctl up \(file)`.")
        }
    }
}
