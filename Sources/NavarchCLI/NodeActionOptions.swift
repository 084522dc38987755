import ArgumentParser

/// The node and the reason that `cordon` and `drain` take.
struct NodeActionOptions: ParsableArguments {
    @Argument(help: "Node id.")
    var id: String

    @Option(help: "Why, for the record.")
    var reason = ""
}
