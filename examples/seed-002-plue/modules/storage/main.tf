# EFS for the git repositories: an encrypted file system, a mount target in each private subnet
# and an access point the API server mounts as /repositories. Base layer: the repositories survive
# the nightly teardown.

resource "aws_security_group" "efs" {
  name        = "${var.name}-efs"
  description = "NFS from the API server"
  vpc_id      = var.vpc_id

  ingress {
    description     = "NFS"
    from_port       = 2049
    to_port         = 2049
    protocol        = "tcp"
    security_groups = var.allowed_security_group_ids
  }

  tags = { Name = "${var.name}-efs" }
}

resource "aws_efs_file_system" "repos" {
  creation_token   = "${var.name}-repos"
  encrypted        = true
  performance_mode = "generalPurpose"
  throughput_mode  = "bursting"

  lifecycle_policy {
    transition_to_ia = "AFTER_30_DAYS"
  }

  tags = { Name = "${var.name}-repos" }
}

resource "aws_efs_mount_target" "repos" {
  count           = length(var.subnet_ids)
  file_system_id  = aws_efs_file_system.repos.id
  subnet_id       = var.subnet_ids[count.index]
  security_groups = [aws_security_group.efs.id]
}

resource "aws_efs_access_point" "repos" {
  file_system_id = aws_efs_file_system.repos.id

  posix_user {
    uid = 1000
    gid = 1000
  }

  root_directory {
    path = "/repositories"
    creation_info {
      owner_uid   = 1000
      owner_gid   = 1000
      permissions = "0755"
    }
  }

  tags = { Name = "${var.name}-repos" }
}
