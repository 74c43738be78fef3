#!/usr/bin/env bash
# Rebuilds corpus/ from documentation that ships with Debian 12 (bookworm) packages on this machine: package
# READMEs, FAQs and specifications under /usr/share/doc, and translated manual pages under /usr/share/man.
# Nobody on the team wrote any of it. The files are committed, so the evaluation does not depend on which
# packages a machine has; this script records where each came from (SOURCES.md lists package and licence).
set -euo pipefail
cd "$(dirname "$0")"
rm -rf corpus && mkdir corpus
doc() { # doc <output name> <path under /usr/share/doc>
  zcat -f "/usr/share/doc/$2" | tr -d '\r' > "corpus/$1"
}
man_page() { # man_page <output name> <path under /usr/share/man>
  zcat -f "/usr/share/man/$2" | groff -k -man -Tutf8 -rHY=0 -dAD=l -rLL=100n -P -c -P -b -P -u 2>/dev/null | col -b | expand | perl -CSD -pe 's/(?<=\S) {2,}(?=\S)/ /g' | sed -e 's/[[:space:]]*$//' | cat -s > "corpus/$1"
}
doc adduser-readme.txt adduser/README.gz
doc apt-readme.md apt/README.md.gz
doc base-passwd-users-and-groups.txt base-passwd/users-and-groups.txt.gz
doc bash-readme.txt bash/README.gz
doc coreutils-readme.txt coreutils/README.gz
doc dpkg-triggers.txt dpkg/spec/triggers.txt
doc dpkg-rootless-builds.txt dpkg/spec/rootless-builds.txt
doc ed-readme.txt ed/README.gz
doc findutils-readme.txt findutils/README.gz
doc gawk-readme.txt gawk/README
doc gcc-readme-bugs.txt gcc-12-base/README.Bugs
doc gdb-readme.txt gdb/README.gz
doc git-subtree.txt git/contrib/subtree/git-subtree.txt
doc gnupg-readme.txt gnupg/README.gz
doc gzip-readme.txt gzip/README.gz
doc invoke-rc.d-readme.txt init-system-helpers/README.invoke-rc.d.gz
doc iso-codes-readme.md iso-codes/README.md.gz
doc libcrypt-readme.md libcrypt-dev/README.md.gz
doc libffi-readme.md libffi8/README.md.gz
doc libjpeg-wizard.txt libjpeg62-turbo-dev/wizard.txt.gz
doc nss-mdns-readme.md libnss-mdns/README.md.gz
doc libpng-readme.txt libpng16-16/README.gz
doc tcp-wrappers-readme.txt libwrap0/README.gz
doc lzma-file-format.txt liblzma-dev/lzma-file-format.txt.gz
doc make-readme.txt make/README.gz
doc man-db-readme.md man-db/README.md.gz
doc man-db-faq.txt man-db/FAQ
doc mariadb-server-readme-debian.txt mariadb-server/README.Debian.gz
doc mosquitto-readme.md mosquitto/README.md
doc node-path.md nodejs/api/path.md
doc node-timers.md nodejs/api/timers.md
doc node-security.md nodejs/SECURITY.md
doc libsigsegv-readme.txt libsigsegv2/README.gz
doc socat-faq.txt socat/FAQ
doc zlib-faq.txt zlib1g-dev/FAQ.gz
doc redis-readme.md redis-server/README.md.gz
doc alsa-asoundrc.txt libasound2/examples/asoundrc.txt
doc systemd-distro-porting.md systemd/DISTRO_PORTING.md
man_page fr-free.txt fr/man1/free.1.gz
man_page de-sysctl.conf.txt de/man5/sysctl.conf.5.gz
man_page es-run-parts.txt es/man8/run-parts.8.gz
man_page it-sources.list.txt it/man5/sources.list.5.gz
man_page ja-passwd.txt ja/man5/passwd.5.gz
man_page pt-dsc.txt pt/man5/dsc.5.gz
man_page nl-deb-changelog.txt nl/man5/deb-changelog.5.gz
man_page zh-mandb.txt zh_CN/man8/mandb.8.gz
