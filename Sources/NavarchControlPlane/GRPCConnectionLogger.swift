import Foundation
import Logging
import NIOCore
import NIOHTTP2

/// Logs what ends a gRPC client connection abnormally, with the peer's address: an HTTP/2
/// protocol violation (which the server answers with GOAWAY), a flood the HTTP/2 handler
/// refuses, or an I/O error. Without it such a connection closes and the server says nothing.
///
/// Sits right after the HTTP/2 handler in each accepted connection's pipeline and passes
/// everything on unchanged.
final class GRPCConnectionLogger: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let peer = context.channel.remoteAddress.map { "\($0)" } ?? "unknown"
        if Self.isPeerHangingUp(error) {
            logger.debug("gRPC client connection closed by the peer", metadata: ["peer": "\(peer)", "error": "\(error)"])
        } else {
            logger.warning(
                "gRPC client connection failed", metadata: ["peer": "\(peer)", "error": "\(Self.describe(error))"])
        }
        context.fireErrorCaught(error)
    }

    /// A reset or end of stream from the other side: clients go away, which is not a fault.
    static func isPeerHangingUp(_ error: any Error) -> Bool {
        if let io = error as? IOError { return io.errnoCode == ECONNRESET || io.errnoCode == EPIPE }
        if let channel = error as? ChannelError { return channel == .eof || channel == .ioOnClosedChannel }
        return false
    }

    /// The error, with the HTTP/2 error code the peer was sent where there is one.
    static func describe(_ error: any Error) -> String {
        if let violation = error as? NIOHTTP2Errors.MaxStreamsViolation {
            return "\(violation): the client opened more concurrent streams than the connection allows (grpc.max_concurrent_streams)"
        }
        return "\(error)"
    }

    /// Adds a logger to an accepted connection, right after its HTTP/2 handler.
    static func install(on channel: any Channel, logger: Logger) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            let operations = channel.pipeline.syncOperations
            let http2 = try operations.handler(type: NIOHTTP2Handler.self)
            try operations.addHandler(GRPCConnectionLogger(logger: logger), position: .after(http2))
        }
    }
}
