using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace SsdLite.Serving;

/// <summary>
/// How the start-up warm-up's requests reach the server once it listens: a client with the server's address as its
/// base. By default that is Kestrel's own listener over loopback TCP, so that the warm-up runs the connection,
/// parsing, routing and response-writing code a client's request runs; an in-memory server (the tests' TestServer)
/// registers its own route. Null when the server has no plain-HTTP address to call.
/// </summary>
internal sealed class WarmUpRoute(Func<IServer, HttpClient?> open)
{
    /// <summary>The server's own listener, over loopback.</summary>
    public static WarmUpRoute OwnListener { get; } = new(server => SelfAddress(server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []) is { } self
        ? new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { BaseAddress = self }
        : null);

    public HttpClient? Open(IServer server) => open(server);

    /// <summary>
    /// The first plain-HTTP address among <paramref name="addresses"/> (as Kestrel reports them once bound: real
    /// ports, wildcard hosts), with a wildcard host replaced by loopback; null when there is none.
    /// </summary>
    public static Uri? SelfAddress(IEnumerable<string> addresses)
    {
        foreach (var address in addresses)
        {
            if (!address.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) continue;
            // Kestrel's wildcards (+, *) are not valid URI hosts; the IP wildcards are, but cannot be called.
            var text = address.Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal);
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Port <= 0) continue;
            var host = uri.Host switch
            {
                "0.0.0.0" => "127.0.0.1",
                "[::]" => "[::1]",
                _ => uri.Host,
            };
            return new UriBuilder(uri) { Host = host, Path = "/" }.Uri;
        }
        return null;
    }
}
