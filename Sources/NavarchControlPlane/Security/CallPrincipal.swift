import NavarchCore

/// The principal of the call being handled, set by ``AuthInterceptor`` (gRPC) and the REST
/// middleware before any handler runs.
enum CallPrincipal {
    @TaskLocal static var current: Principal = .anonymous
}
