using System.CommandLine;
using SsdLite.Core;
using SsdLite.Detection.Models;
using SsdLite.Tools.Training;
using SsdLite.Tools.Weights;

namespace SsdLite.Tools.Commands;

/// <summary><c>ssdlite weights list|download NAME|path NAME</c>: the published weights and the cache that holds them.</summary>
internal static class WeightsCommand
{
    public static Command Create()
    {
        var command = new Command("weights", $"Published weights by name, cached in ${WeightsStore.HomeVariable}/weights (default ~/.cache/ssdlite/weights); " +
            $"{WeightsStore.MirrorVariable} points downloads at a folder or base URL");
        var list = new Command("list", "The published weights, their hashes and whether each is cached");
        list.SetAction(_ => CommandRunner.Run("weights", List));
        var name = new Argument<string>("NAME") { Description = "A published file's stem, e.g. mobilenet_v2-b0353104" };
        var download = new Command("download", "Download NAME into the cache (resuming a partial file) and verify it") { name };
        download.SetAction(r => CommandRunner.Run("weights", () => Download(r.GetValue(name)!)));
        var pathName = new Argument<string>("NAME") { Description = "A published file's stem" };
        var path = new Command("path", "Print where NAME is (or would be) cached") { pathName };
        path.SetAction(r => CommandRunner.Run("weights", () => PathOf(r.GetValue(pathName)!)));
        command.Subcommands.Add(list);
        command.Subcommands.Add(download);
        command.Subcommands.Add(path);
        return command;
    }

    private static PublishedWeights Find(string name) => WeightsTable.Find(name)
        ?? throw new ConfigException($"weights: no published weights named '{name}' (names: {string.Join(", ", WeightsTable.All.Select(w => w.Name))})");

    private static int List()
    {
        var store = WeightsStore.FromEnvironment();
        Console.WriteLine($"cache: {store.Folder}" + (store.Mirror is { } m ? $" (mirror: {m})" : ""));
        foreach (var w in WeightsTable.All)
        {
            Console.WriteLine($"{w.Name,-30} {w.Arch.Name(),-13} {w.Kind.ToString().ToLowerInvariant(),-9} {(store.IsCached(w) ? "cached" : "-"),-7} {w.Description}");
            Console.WriteLine($"{"",-30} sha256: {w.Sha256 ?? "none"} ({w.HashNote})");
            Console.WriteLine($"{"",-30} from: {string.Join(", then ", w.Urls)}");
        }
        return 0;
    }

    private static int Download(string name)
    {
        var weights = Find(name);
        var path = WeightsStore.FromEnvironment().Get(weights);
        Console.WriteLine($"{weights.Name}: {path} (SHA-256 {WeightsStore.Sha256Of(path)})");
        return 0;
    }

    private static int PathOf(string name)
    {
        Console.WriteLine(WeightsStore.FromEnvironment().PathOf(Find(name)));
        return 0;
    }
}
