import Foundation
import NavarchCore

/// A notifier behind a route: only the events the route accepts reach it.
public struct RoutedNotifier: Notifier {
    public let route: NotificationRoute
    let notifier: any Notifier

    public init(route: NotificationRoute, notifier: any Notifier) {
        self.route = route
        self.notifier = notifier
    }

    /// The notifier a configured route describes.
    public init(route: NotificationRoute, poster: NotificationPoster = NotificationPoster()) {
        let notifier: any Notifier = switch route.kind {
        case .log: LogNotifier()
        case .webhook: WebhookNotifier(url: route.url, secret: route.secret, poster: poster)
        case .slack: SlackNotifier(url: route.url, poster: poster)
        case .pagerduty: PagerDutyNotifier(url: route.url, routingKey: route.routingKey, poster: poster)
        }
        self.init(route: route, notifier: notifier)
    }

    public func notify(_ event: FleetEvent) async throws {
        guard route.accepts(event) else { return }
        try await notifier.notify(event)
    }
}
