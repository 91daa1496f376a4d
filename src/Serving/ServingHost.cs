using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SsdLite.Serving;

/// <summary>
/// Builds and runs the detection service: Kestrel with the limits of <see cref="ServeOptions"/>, the batch worker,
/// readiness, metrics and the endpoints of <see cref="ServingEndpoints"/>. The same builder serves the console
/// (<see cref="RunAsync"/>) and the in-process tests (WebApplicationFactory over <see cref="CreateHostBuilder"/>).
/// </summary>
public static class ServingHost
{
    /// <summary>The host, not yet built; <paramref name="model"/> stays the caller's to dispose after the host.</summary>
    public static IHostBuilder CreateHostBuilder(ServeOptions options, ServedModel model)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(model);
        options.Validate();
        return Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging
                .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
                .AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information))
            .ConfigureHostOptions(host => host.ShutdownTimeout = TimeSpan.FromMilliseconds(options.DrainMs + options.TimeoutMs + 5_000))
            .ConfigureServices(services => AddServices(services, options, model))
            .ConfigureWebHostDefaults(web => web
                .UseUrls(options.Urls)
                .ConfigureKestrel(kestrel => ConfigureKestrel(kestrel, options))
                .Configure(ServingEndpoints.Configure));
    }

    /// <summary>Serves until SIGTERM or Ctrl-C, then drains and returns 0; the console's <c>ssdlite serve</c>.</summary>
    public static async Task<int> RunAsync(ServeOptions options, ServedModel model, CancellationToken cancel = default)
    {
        using var host = CreateHostBuilder(options, model).Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SsdLite.Serving");
        foreach (var warning in options.SecurityWarnings()) logger.LogWarning("{Warning}", warning);
        await host.RunAsync(cancel).ConfigureAwait(false);
        return 0;
    }

    private static void AddServices(IServiceCollection services, ServeOptions options, ServedModel model)
    {
        services.AddSingleton(options);
        if (options.ApiKeyFile is { } keys) services.AddSingleton(new ApiKeys(keys));
        services.AddSingleton(model);
        services.AddSingleton(new ServingMetrics(options.MaxBatch));
        services.AddSingleton(sp => new DynamicBatcher(model.Detector, options, sp.GetRequiredService<ServingMetrics>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("SsdLite.Serving.Batcher")));
        services.AddSingleton<DetectHandler>();
        services.AddSingleton<WarmUpMark>();
        services.TryAddSingleton(WarmUpRoute.OwnListener);
        services.AddSingleton<ServingState>();
        services.AddHostedService(sp => sp.GetRequiredService<ServingState>());
        services.AddRouting();
        services.AddOpenApi();
        // The body is read and limited by ImageUpload; the form parser sees only the buffered copy.
        services.Configure<FormOptions>(form =>
        {
            form.MultipartBodyLengthLimit = options.MaxBodyBytes;
            form.ValueCountLimit = 64;
        });
    }

    private static void ConfigureKestrel(KestrelServerOptions kestrel, ServeOptions options)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
        kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(options.MinRequestBytesPerSecond, TimeSpan.FromSeconds(5));
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        if (options.HttpsCertificate is { } certificate)
        {
            var loaded = LoadCertificate(certificate, options.HttpsKey);
            kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = loaded);
        }
    }

    /// <summary>
    /// A server certificate with its private key: a PKCS#12 file (.pfx/.p12; password from SSDLITE_HTTPS_PASSWORD, if
    /// any), or a PEM certificate with its PEM key (<paramref name="key"/>, else the key in the same file).
    /// </summary>
    public static X509Certificate2 LoadCertificate(string certificate, string? key)
    {
        var extension = Path.GetExtension(certificate).ToLowerInvariant();
        X509Certificate2 loaded;
        try
        {
            loaded = extension is ".pfx" or ".p12"
                ? X509CertificateLoader.LoadPkcs12FromFile(certificate, Environment.GetEnvironmentVariable("SSDLITE_HTTPS_PASSWORD"))
                : X509Certificate2.CreateFromPemFile(certificate, key);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new ArgumentException($"--https-cert {certificate}: {e.Message}", e);
        }
        if (!loaded.HasPrivateKey) throw new ArgumentException($"--https-cert {certificate}: no private key (give the PEM key with --https-key)");
        return loaded;
    }
}
