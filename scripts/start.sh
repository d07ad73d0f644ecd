#!/usr/bin/env bash
# `npm start`: brings up the local infrastructure (real Kafka broker, AWS emulators) and shows
# that it answers. The full local mode (poller, deliverers and commit function running together
# on a sample route) builds on this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/infra.sh up
echo
bash scripts/infra.sh status
cat <<MSG

Local infrastructure is up. State and logs are under .run/; stop it with: npm run infra:down
  Kafka:     ${KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT:-9092}}
  moto:      http://127.0.0.1:${MOTO_PORT:-4566}  (S3, DynamoDB + streams, SNS, CloudWatch, Secrets Manager)
  ElasticMQ: http://127.0.0.1:${ELASTICMQ_PORT:-9324}  (SQS, FIFO)
MSG
