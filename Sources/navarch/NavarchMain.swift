import NavarchCLI

@main
struct NavarchMain {
    static func main() async {
        await NavarchCommand.main()
    }
}
