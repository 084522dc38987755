import NavarchCLI

@main
struct NavarchMain {
    static func main() async {
        await CommandEntry.main(NavarchCommand.self)
    }
}
