using System.CommandLine;
using SsdLite.Tools.Detect;

namespace SsdLite.Tools.Commands;

/// <summary><c>ssdlite merge-detections OUT SHARDS...</c>: the files of <c>detect --shard</c> joined into the unsharded run's file.</summary>
internal static class MergeDetectionsCommand
{
    public static Command Create()
    {
        var output = new Argument<string>("OUT") { Description = "The merged file: a JSON list, or JSON lines when it ends in .jsonl (the same bytes detect writes unsharded)" };
        var shards = new Argument<string[]>("SHARDS")
        {
            Description = "Every shard file of one run (NAME-INDEX-of-COUNT.json or .jsonl, as detect --shard writes them), in any order",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("merge-detections", "Join the detection files of detect --shard into the file of the unsharded run") { output, shards };
        command.SetAction(r => CommandRunner.Run("merge-detections", () =>
        {
            var path = r.GetValue(output)!;
            var summary = DetectionMerge.Merge(path, r.GetValue(shards)!);
            Console.WriteLine($"merge-detections: {summary.Shards} shards, {summary.Entries} entries, {summary.Failed} failed; wrote {path}");
            // The whole run's verdict, which a single shard cannot give: detect fails when no image could be read.
            if (summary.Entries > 0 && summary.Failed == summary.Entries)
            {
                Console.Error.WriteLine($"ssdlite merge-detections: error: none of the {summary.Entries} images could be read");
                return CommandRunner.Failure;
            }
            return 0;
        }));
        return command;
    }
}
