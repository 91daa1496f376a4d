using System.Text.RegularExpressions;
using SsdLite.Serving;
using YamlDotNet.RepresentationModel;

namespace SsdLite.Tools.Tests;

/// <summary>
/// The Kubernetes and KServe manifests under deploy/kubernetes/, which cannot be applied here (no cluster): each
/// parses as YAML, every ssdlite command line in them parses with the console's own command tree, serve listens
/// where its probes and ports look, and each Prometheus series the autoscaler reads is one serve's /metrics writes.
/// </summary>
public sealed class ManifestTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Data", "kubernetes");

    private static readonly string[] Expected =
    [
        "detect-indexed-job.yaml", "triton-deployment.yaml", "kserve-triton-isvc.yaml", "kserve-ssdlite-runtime.yaml",
        "kserve-ssdlite-isvc.yaml", "ssdlite-serve-deployment.yaml", "ssdlite-serve-hpa.yaml",
    ];

    [Fact]
    public void EveryManifestParsesAndNamesItsKind()
    {
        Assert.Equal(Expected.Order(), Directory.GetFiles(Folder, "*.yaml").Select(Path.GetFileName).Order());
        foreach (var (file, doc) in Documents())
        {
            Assert.False(string.IsNullOrEmpty(Scalar(doc, "apiVersion")), $"{file}: no apiVersion");
            Assert.False(string.IsNullOrEmpty(Scalar(doc, "kind")), $"{file}: no kind");
            Assert.False(string.IsNullOrEmpty(Scalar(Map(doc, "metadata"), "name")), $"{file}: no metadata.name");
        }
    }

    [Fact]
    public void EverySsdliteCommandLineParsesWithTheConsolesOwnOptions()
    {
        var commands = 0;
        foreach (var (file, container) in Containers().Where(c => Strings(c.Container, "command").FirstOrDefault() == "ssdlite"))
        {
            string[] tokens = [.. Strings(container, "command").Skip(1), .. Strings(container, "args")];
            var parsed = Program.BuildRoot().Parse(tokens);
            Assert.True(parsed.Errors.Count == 0, $"{file}: ssdlite {string.Join(' ', tokens)}: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
            var options = parsed.CommandResult.Command.Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
            foreach (var option in tokens.Where(t => t.StartsWith("--", StringComparison.Ordinal)))
                Assert.True(options.Contains(option.Split('=')[0]), $"{file}: {parsed.CommandResult.Command.Name} has no option {option}");
            if (parsed.CommandResult.Command.Name == "serve") AssertServeIsReachable(file, container, tokens);
            commands++;
        }
        Assert.Equal(3, commands); // the Indexed Job's detect, serve in the ServingRuntime and serve in the Deployment
    }

    [Fact]
    public void TheAutoscalersSeriesAreOnesServeExports()
    {
        var exported = ExportedSeries();
        var (_, adapter) = Documents().Single(d => Scalar(d.Doc, "kind") == "ConfigMap" && Scalar(Map(d.Doc, "metadata"), "name") == "adapter-config");
        var rules = Parse(Scalar(Map(adapter, "data"), "config.yaml")!);
        var served = new HashSet<string>();
        foreach (var rule in ((YamlSequenceNode)rules["rules"]).Cast<YamlMappingNode>())
        {
            var series = Regex.Match(Scalar(rule, "seriesQuery")!, "^[A-Za-z_:][A-Za-z0-9_:]*").Value;
            Assert.True(exported.Contains(series), $"prometheus-adapter reads {series}, which serve's /metrics does not write ({string.Join(", ", exported.Order())})");
            var name = Map(rule, "name");
            served.Add(Regex.Replace(series, Scalar(name, "matches")!, Scalar(name, "as")!));
        }
        var hpa = Documents().Single(d => Scalar(d.Doc, "kind") == "HorizontalPodAutoscaler").Doc;
        var metrics = ((YamlSequenceNode)Map(hpa, "spec")["metrics"]).Cast<YamlMappingNode>().ToList();
        Assert.NotEmpty(metrics);
        foreach (var metric in metrics)
        {
            Assert.Equal("Pods", Scalar(metric, "type"));
            var name = Scalar(Map(Map(metric, "pods"), "metric"), "name")!;
            Assert.True(served.Contains(name), $"the HPA asks for {name}, which no prometheus-adapter rule serves ({string.Join(", ", served)})");
        }
        Assert.Equal("ssdlite-serve", Scalar(Map(Map(hpa, "spec"), "scaleTargetRef"), "name"));
    }

    [Fact]
    public void TheKServeServicesNameTheirRuntimesAndTritonReadsTheMountedRepository()
    {
        var docs = Documents().ToList();
        var runtime = docs.Single(d => Scalar(d.Doc, "kind") == "ServingRuntime").Doc;
        var formats = ((YamlSequenceNode)Map(runtime, "spec")["supportedModelFormats"]).Cast<YamlMappingNode>().Select(f => Scalar(f, "name")).ToList();
        foreach (var (file, isvc) in docs.Where(d => Scalar(d.Doc, "kind") == "InferenceService"))
        {
            var model = Map(Map(Map(isvc, "spec"), "predictor"), "model");
            Assert.Equal("v2", Scalar(model, "protocolVersion"));
            Assert.False(string.IsNullOrEmpty(Scalar(model, "storageUri")), $"{file}: no storageUri");
            var format = Scalar(Map(model, "modelFormat"), "name");
            if (format == "triton") continue; // KServe's own Triton runtime
            Assert.Equal(Scalar(Map(runtime, "metadata"), "name"), Scalar(model, "runtime"));
            Assert.Contains(format, formats);
        }

        var (tritonFile, triton) = Containers().Single(c => Strings(c.Container, "command").FirstOrDefault() == "tritonserver");
        var repository = Strings(triton, "args").Single(a => a.StartsWith("--model-repository=", StringComparison.Ordinal)).Split('=')[1];
        var mounts = ((YamlSequenceNode)triton["volumeMounts"]).Cast<YamlMappingNode>().Select(m => Scalar(m, "mountPath"));
        Assert.True(mounts.Contains(repository), $"{tritonFile}: --model-repository {repository} is not a mounted volume");
        foreach (var probe in new[] { "readinessProbe", "livenessProbe" })
            Assert.StartsWith("/v2/health/", Scalar(Map(Map(triton, probe), "httpGet"), "path"));
    }

    // serve binds --urls; in a pod it must listen beyond loopback, on the port the container and its probes name.
    private static void AssertServeIsReachable(string file, YamlMappingNode container, string[] tokens)
    {
        var urls = tokens[Array.IndexOf(tokens, "--urls") + 1];
        var uri = new Uri(urls.Replace("0.0.0.0", "any-host", StringComparison.Ordinal));
        Assert.True(urls.Contains("0.0.0.0", StringComparison.Ordinal), $"{file}: serve listens on {urls}, unreachable from outside the pod");
        var ports = ((YamlSequenceNode)container["ports"]).Cast<YamlMappingNode>().ToList();
        Assert.Contains(ports, p => Scalar(p, "containerPort") == uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var portNames = ports.Where(p => Scalar(p, "containerPort") == uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Select(p => Scalar(p, "name")).Append(uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        // The OIP health routes serve maps (docs/serving.md, "Endpoints"): ready is 503 while warming up and draining.
        foreach (var (probe, path) in new[] { ("readinessProbe", "/v2/health/ready"), ("livenessProbe", "/v2/health/live") })
        {
            var get = Map(Map(container, probe), "httpGet");
            Assert.Equal(path, Scalar(get, "path"));
            Assert.Contains(Scalar(get, "port"), portNames);
        }
    }

    /// <summary>The series names in the exposition text that serve's GET /metrics writes.</summary>
    private static HashSet<string> ExportedSeries()
    {
        var metrics = new ServingMetrics(8);
        using var text = new MemoryStream();
        metrics.WriteAsync(text, CancellationToken.None).GetAwaiter().GetResult();
        return System.Text.Encoding.UTF8.GetString(text.ToArray()).Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l[..l.IndexOfAny(['{', ' '])])
            .ToHashSet();
    }

    private static IEnumerable<(string File, YamlMappingNode Doc)> Documents()
    {
        foreach (var path in Directory.GetFiles(Folder, "*.yaml").Order())
        {
            var stream = new YamlStream();
            using (var reader = new StringReader(File.ReadAllText(path))) stream.Load(reader);
            foreach (var doc in stream.Documents) yield return (Path.GetFileName(path), (YamlMappingNode)doc.RootNode);
        }
    }

    private static YamlMappingNode Parse(string yaml)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(yaml);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static IEnumerable<(string File, YamlMappingNode Container)> Containers()
    {
        foreach (var (file, doc) in Documents())
        {
            foreach (var container in Descendants(doc).OfType<YamlMappingNode>().SelectMany(ContainersOf)) yield return (file, container);
        }
    }

    private static IEnumerable<YamlMappingNode> ContainersOf(YamlMappingNode node) =>
        node.Children.TryGetValue(new YamlScalarNode("containers"), out var list) && list is YamlSequenceNode sequence
            ? sequence.Cast<YamlMappingNode>() : [];

    private static IEnumerable<YamlNode> Descendants(YamlNode node)
    {
        yield return node;
        var children = node switch
        {
            YamlMappingNode map => map.Children.Values,
            YamlSequenceNode seq => seq.Children,
            _ => (IEnumerable<YamlNode>)[],
        };
        foreach (var descendant in children.SelectMany(Descendants)) yield return descendant;
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? (value as YamlScalarNode)?.Value : null;

    private static IEnumerable<string> Strings(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode seq
            ? seq.Cast<YamlScalarNode>().Select(s => s.Value!) : [];
}
