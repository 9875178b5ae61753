# The image CI pushes (see the team's GitHub Actions workflow); any image works against the emulator.
container_image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/migration-api:latest"
