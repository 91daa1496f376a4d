namespace SsdLite.Serving.Tests;

/// <summary>Where the warm-up sends its requests, from the addresses Kestrel reports once bound.</summary>
public sealed class WarmUpRouteTests
{
    [Theory]
    [InlineData("http://127.0.0.1:41234", "http://127.0.0.1:41234/")]
    [InlineData("http://0.0.0.0:8080", "http://127.0.0.1:8080/")]
    [InlineData("http://[::]:8080", "http://[::1]:8080/")]
    [InlineData("http://+:5000", "http://127.0.0.1:5000/")]
    [InlineData("http://*:5000", "http://127.0.0.1:5000/")]
    [InlineData("http://localhost:5000", "http://localhost:5000/")]
    [InlineData("https://127.0.0.1:8443;http://127.0.0.1:8080", "http://127.0.0.1:8080/")]
    public void TheFirstPlainHttpAddressWithWildcardsMadeLoopback(string addresses, string expected) =>
        Assert.Equal(new Uri(expected), WarmUpRoute.SelfAddress(addresses.Split(';')));

    [Theory]
    [InlineData("https://127.0.0.1:8443")]
    [InlineData("")]
    public void NoneWithoutAPlainHttpAddress(string addresses) =>
        Assert.Null(WarmUpRoute.SelfAddress(addresses.Length == 0 ? [] : addresses.Split(';')));
}
