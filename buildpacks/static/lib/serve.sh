#!/usr/bin/env bash
# Serves the site with nginx on $PORT as the app user (installed by the paas/static buildpack).
set -euo pipefail
root=$(cd "/app/$(cat /app/.paas-static/root)" && pwd)
port=${PORT:-5000}
if ! command -v nginx >/dev/null 2>&1; then
  exec python3 -m http.server --bind 0.0.0.0 --directory "$root" "$port"
fi
run=$(mktemp -d /tmp/nginx.XXXXXX)
cat > "$run/nginx.conf" <<NGINX
worker_processes 1;
pid $run/nginx.pid;
error_log stderr;
events { worker_connections 512; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log /dev/stdout;
  client_body_temp_path $run/body;
  proxy_temp_path $run/proxy;
  fastcgi_temp_path $run/fastcgi;
  uwsgi_temp_path $run/uwsgi;
  scgi_temp_path $run/scgi;
  sendfile on;
  gzip on;
  server_tokens off;
  server {
    listen $port;
    root $root;
    index index.html;
    location / { try_files \$uri \$uri/ =404; }
  }
}
NGINX
exec nginx -e stderr -c "$run/nginx.conf" -g 'daemon off;'
