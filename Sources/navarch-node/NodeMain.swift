import NavarchNode

@main
struct NodeMain {
    static func main() async {
        await NodeAgentCommand.main()
    }
}
