using BenchmarkDotNet.Running;
using SurvivorConnect.Benchmarks;

// Run with: dotnet run -c Release --project tests/SurvivorConnect.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(StorageBenchmarks).Assembly).Run(args);
