import NavarchCLI

@main
struct ControlPlaneMain {
    static func main() async {
        await ServeCommand.main()
    }
}
