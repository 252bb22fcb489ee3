# TokenSim.Server, the image helm/tokensim runs (docs/kubernetes.md). Not built by CI: there is no container runtime
# there; the chart's tests render and validate the Kubernetes objects and run the server with their environment.
#   docker build -t tokensim/server:0.1.0 .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/TokenSim.Server/TokenSim.Server.csproj -c Release -o /out/bin

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# The measured perf profiles the twin's "auto" perf model looks for in a data/ folder above its binaries.
COPY --from=build /src/data/profiles /opt/tokensim/data/profiles
COPY --from=build /out/bin /opt/tokensim/bin
# The image's unprivileged user (uid 1654), as the chart's securityContext expects.
USER app
EXPOSE 7100 7101 11111 30000
ENTRYPOINT ["dotnet", "/opt/tokensim/bin/TokenSim.Server.dll"]
