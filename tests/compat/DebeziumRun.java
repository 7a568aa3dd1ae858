// Runs one Debezium connector (any: connector.class in the engine properties picks it) in the
// embedded engine and writes its change events to Kafka exactly as Kafka Connect would: key and value
// through a converter, the record keyed so that Kafka's default partitioner places it, acknowledged
// by Kafka before the engine may commit its offsets. Used by the compatibility tests
// (tests/compat/pg_compat.sh, mariadb_compat.sh) and the benchmarks.
//
// Usage: java -cp JARS DebeziumRun ENGINE.properties --bootstrap HOST:PORT [options]
//   --converter avro|json       avro (default): Apicurio's AvroConverter in Confluent mode (see below);
//                               json: Kafka's JsonConverter
//   --converter-config FILE     the converter's properties (the same file for key and value)
//   --stop-topic TOPIC          stop once a record for TOPIC has been written and acknowledged
//   --stop-count N              stop once N change records (values with an "op" field) are acknowledged
//   --stop-idle S               stop once S seconds passed without a record, after the first one
//   --timeout S                 give up after S seconds (default 600); exit 1
//   --producer-config FILE      more KafkaProducer properties (linger.ms, compression.type, ...), over
//                               the defaults below (acks=all, idempotence)
//   --seed-offset JSON          when the engine's offset file (offset.storage.file.filename) does not
//                               exist yet, write one holding JSON as the source offset of the
//                               partition {"server": topic.prefix} (the binlog connectors' partition),
//                               e.g. {"file":"mysql-bin.000004","pos":4}: the engine then resumes there,
//                               as a connector restarted after a backlog built up
// The stop conditions may be combined (the first one met stops); without any, the program runs until
// the timeout or an engine error. On exit it prints one JSON line on stdout:
//   {"records":N,"change_records":N,"first_record_ms":T,"last_record_ms":T,"elapsed_ms":N,
//    "start_ms":T,"last_acked_ms":T,"stopped_by":"stop-topic|stop-count|stop-idle|timeout|engine-error"}
// (record times: wall clock, epoch milliseconds, when the record was handed to the producer; start: the
// engine's start; last_acked: the end of the last batch's flush; elapsed: last_acked - start). Exit 0 when a stop condition was met, 1
// after the timeout or an engine error, 2 for bad arguments. The engine's log goes to stderr.
//
// Why Apicurio's converter and not Confluent's: io.confluent:kafka-connect-avro-converter is not on
// Maven Central (the only registry reachable here). Apicurio's AvroConverter carries its own copy of
// Confluent's AvroData (Connect schema -> Avro schema with connect.name / connect.parameters /
// connect.version / connect.default), and with apicurio.registry.as-confluent=true and
// use-id=contentId it writes the Confluent wire format with the id the registry's Confluent API
// (/apis/ccompat/v7/schemas/ids/{id}) serves.
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.ChangeEvent;
import io.apicurio.registry.utils.converter.AvroConverter;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.Converter;

public class DebeziumRun {
	static Properties load(String path) throws IOException {
		Properties p = new Properties();
		try (InputStream in = new FileInputStream(path)) {
			p.load(in);
		}
		return p;
	}

	static Map<String, Object> asMap(Properties p) {
		Map<String, Object> m = new HashMap<>();
		for (String k : p.stringPropertyNames())
			m.put(k, p.getProperty(k));
		return m;
	}

	// Writes FileOffsetBackingStore's file (a serialized HashMap<byte[], byte[]> of the JsonConverter's
	// bytes, schemas off) with one entry: the offset of the partition {"server": topic.prefix} of the
	// engine named `name`. Kept to that format on purpose: it is the one the engine reads at start.
	static void seedOffset(Properties engineProps, String valueJson) throws IOException {
		String path = engineProps.getProperty("offset.storage.file.filename");
		String name = engineProps.getProperty("name");
		String prefix = engineProps.getProperty("topic.prefix");
		if (path == null || name == null || prefix == null)
			usage("--seed-offset needs offset.storage.file.filename, name and topic.prefix in the engine properties");
		if (new File(path).exists())
			return;
		String key = "[\"" + name + "\",{\"server\":\"" + prefix + "\"}]";
		HashMap<byte[], byte[]> raw = new HashMap<>();
		raw.put(key.getBytes(StandardCharsets.UTF_8), valueJson.getBytes(StandardCharsets.UTF_8));
		try (ObjectOutputStream os = new ObjectOutputStream(new FileOutputStream(path))) {
			os.writeObject(raw);
		}
	}

	static void usage(String why) {
		System.err.println("DebeziumRun: " + why);
		System.err.println("usage: DebeziumRun ENGINE.properties --bootstrap HOST:PORT [--converter avro|json] "
		                   + "[--converter-config FILE] [--producer-config FILE] [--seed-offset JSON] [--stop-topic T] "
		                   + "[--stop-count N] [--stop-idle S] [--timeout S]");
		System.exit(2);
	}

	static Converter converter(String kind, Map<String, Object> conf, boolean isKey) {
		Converter c;
		if (kind.equals("avro"))
			c = new AvroConverter<Object>();
		else if (kind.equals("json"))
			c = new JsonConverter();
		else {
			usage("--converter " + kind + ": avro or json");
			return null;
		}
		c.configure(conf, isKey);
		return c;
	}

	// A change record: its value is an envelope with an op (c, u, d, r, t, m); schema change,
	// heartbeat and transaction records are not.
	static boolean isChange(SourceRecord r) {
		return r.value() instanceof Struct && ((Struct) r.value()).schema().field("op") != null;
	}

	public static void main(String[] args) throws Exception {
		if (args.length < 1 || args[0].startsWith("--"))
			usage("the engine properties file comes first");
		String enginePath = args[0];
		String bootstrap = null, convKind = "avro", convPath = null, stopTopic = null, prodPath = null, seed = null;
		long stopCount = -1, stopIdleMs = -1, timeoutMs = 600_000;
		for (int i = 1; i < args.length; i++) {
			String a = args[i];
			if (i + 1 >= args.length)
				usage(a + " needs a value");
			String v = args[++i];
			try {
				switch (a) {
				case "--bootstrap": bootstrap = v; break;
				case "--converter": convKind = v; break;
				case "--converter-config": convPath = v; break;
				case "--producer-config": prodPath = v; break;
				case "--seed-offset": seed = v; break;
				case "--stop-topic": stopTopic = v; break;
				case "--stop-count": stopCount = Long.parseLong(v); break;
				case "--stop-idle": stopIdleMs = (long) (Double.parseDouble(v) * 1000); break;
				case "--timeout": timeoutMs = (long) (Double.parseDouble(v) * 1000); break;
				default: usage("unknown option " + a);
				}
			} catch (NumberFormatException e) {
				usage(a + " " + v + ": not a number");
			}
		}
		if (bootstrap == null)
			usage("--bootstrap is required");
		Properties engineProps = load(enginePath);
		if (seed != null)
			seedOffset(engineProps, seed);
		Map<String, Object> convProps = convPath == null ? new HashMap<>() : asMap(load(convPath));
		Converter keyConv = converter(convKind, convProps, true);
		Converter valueConv = converter(convKind, convProps, false);

		Properties pp = new Properties();
		pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
		pp.put(ProducerConfig.ACKS_CONFIG, "all");
		pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
		pp.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "16000000");
		if (prodPath != null)
			pp.putAll(load(prodPath));
		KafkaProducer<byte[], byte[]> producer =
		    new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer());

		CountDownLatch done = new CountDownLatch(1);
		AtomicReference<String> stoppedBy = new AtomicReference<>();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		AtomicLong written = new AtomicLong(), changes = new AtomicLong();
		AtomicLong firstMs = new AtomicLong(-1), lastMs = new AtomicLong(-1), ackedMs = new AtomicLong(-1);
		final String stopTopicF = stopTopic;
		final long stopCountF = stopCount;

		DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine =
		    DebeziumEngine.create(Connect.class)
		        .using(engineProps)
		        .using((success, message, error) -> {
			        if (!success) {
				        System.err.println("engine stopped with an error: " + message);
				        failure.set(error != null ? error : new RuntimeException(message));
			        }
			        done.countDown();
		        })
		        .notifying((List<ChangeEvent<SourceRecord, SourceRecord>> batch,
		                    DebeziumEngine.RecordCommitter<ChangeEvent<SourceRecord, SourceRecord>> committer) -> {
			        boolean sawStop = false;
			        for (ChangeEvent<SourceRecord, SourceRecord> ev : batch) {
				        SourceRecord r = ev.value(); // the Connect format hands the whole SourceRecord
				        byte[] k = r.key() == null && r.keySchema() == null
				                       ? null
				                       : keyConv.fromConnectData(r.topic(), r.keySchema(), r.key());
				        byte[] v = r.value() == null ? null
				                                     : valueConv.fromConnectData(r.topic(), r.valueSchema(), r.value());
				        producer.send(new ProducerRecord<>(r.topic(), null, k, v));
				        long now = System.currentTimeMillis();
				        firstMs.compareAndSet(-1, now);
				        lastMs.set(now);
				        written.incrementAndGet();
				        if (isChange(r))
					        changes.incrementAndGet();
				        if (stopTopicF != null && r.topic().equals(stopTopicF))
					        sawStop = true;
				        committer.markProcessed(ev);
			        }
			        // Acknowledged by Kafka before the offsets move, as Connect's worker does; the stop
			        // conditions count only acknowledged records.
			        producer.flush();
			        ackedMs.set(System.currentTimeMillis());
			        committer.markBatchFinished();
			        if (sawStop)
				        stoppedBy.compareAndSet(null, "stop-topic");
			        if (stopCountF >= 0 && changes.get() >= stopCountF)
				        stoppedBy.compareAndSet(null, "stop-count");
		        })
		        .build();

		long start = System.currentTimeMillis();
		ExecutorService executor = Executors.newSingleThreadExecutor();
		executor.execute(engine);
		long deadline = start + timeoutMs;
		while (stoppedBy.get() == null && done.getCount() > 0) {
			long now = System.currentTimeMillis();
			if (now >= deadline) {
				stoppedBy.compareAndSet(null, "timeout");
				break;
			}
			long acked = ackedMs.get();
			if (stopIdleMs >= 0 && acked >= 0 && now - acked >= stopIdleMs)
				stoppedBy.compareAndSet(null, "stop-idle");
			Thread.sleep(50);
		}
		try {
			engine.close();
		} catch (IllegalStateException e) {
			// Already shut down: the engine stopped by itself (an error, reported by the callback).
		}
		done.await(60, TimeUnit.SECONDS);
		executor.shutdownNow();
		producer.flush();
		producer.close();
		if (failure.get() != null)
			stoppedBy.set("engine-error");
		stoppedBy.compareAndSet(null, "engine-error"); // the engine ended by itself
		long end = ackedMs.get() >= 0 ? ackedMs.get() : System.currentTimeMillis();
		System.out.println("{\"records\":" + written.get() + ",\"change_records\":" + changes.get()
		                   + ",\"first_record_ms\":" + (firstMs.get() < 0 ? "null" : firstMs.get())
		                   + ",\"last_record_ms\":" + (lastMs.get() < 0 ? "null" : lastMs.get())
		                   + ",\"elapsed_ms\":" + (end - start) + ",\"start_ms\":" + start
		                   + ",\"last_acked_ms\":" + (ackedMs.get() < 0 ? "null" : ackedMs.get())
		                   + ",\"stopped_by\":\"" + stoppedBy.get() + "\"}");
		System.out.flush();
		if (failure.get() != null)
			failure.get().printStackTrace();
		String how = stoppedBy.get();
		System.exit(how.equals("timeout") || how.equals("engine-error") ? 1 : 0);
	}
}
